/*
    SalesDW: tables.
    Operational tables in dbo, warehouse tables in dw.
*/
USE [SalesDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

CREATE TABLE dbo.Regions (
    RegionID    int          NOT NULL PRIMARY KEY,
    RegionCode  char(2)      NOT NULL,
    RegionName  nvarchar(50) NOT NULL,
    Country     nvarchar(50) NOT NULL
)
GO

CREATE TABLE [dbo].[ProductCategories] (
    [CategoryID]       int IDENTITY(1,1) NOT NULL,
    [CategoryName]     nvarchar(50) NOT NULL,
    [ParentCategoryID] int NULL REFERENCES [dbo].[ProductCategories] ([CategoryID]),
    CONSTRAINT [PK_ProductCategories] PRIMARY KEY CLUSTERED ([CategoryID] ASC)
)
GO

CREATE TABLE dbo.Suppliers (
    SupplierID   int IDENTITY(1,1) NOT NULL,
    SupplierName nvarchar(100) NOT NULL,
    ContactName  nvarchar(80)  NULL,
    Phone        varchar(20)   NULL,
    RegionID     int           NOT NULL REFERENCES dbo.Regions (RegionID),
    IsActive     bit           NOT NULL CONSTRAINT DF_Suppliers_IsActive DEFAULT (1),
    CONSTRAINT PK_Suppliers PRIMARY KEY CLUSTERED (SupplierID)
)
GO

CREATE TABLE dbo.Products (
    ProductID    int IDENTITY(1,1) NOT NULL,
    ProductName  nvarchar(100) NOT NULL,
    CategoryID   int           NOT NULL,
    SupplierID   int           NOT NULL,
    UnitPrice    money         NOT NULL,
    UnitCost     money         NULL,
    Discontinued bit           NOT NULL CONSTRAINT DF_Products_Discontinued DEFAULT (0),
    CreatedAt    datetime2(0)  NOT NULL CONSTRAINT DF_Products_CreatedAt DEFAULT (SYSDATETIME()),
    CONSTRAINT PK_Products PRIMARY KEY CLUSTERED (ProductID)
)
GO

CREATE TABLE dbo.Employees (
    EmployeeID int           NOT NULL,
    FirstName  nvarchar(50)  NOT NULL,
    LastName   nvarchar(50)  NOT NULL,
    Title      nvarchar(60)  NULL,
    ManagerID  int           NULL,
    RegionID   int           NULL REFERENCES dbo.Regions (RegionID),
    HireDate   date          NOT NULL,
    Salary     decimal(10,2) NULL,
    CONSTRAINT PK_Employees PRIMARY KEY CLUSTERED (EmployeeID)
)
GO

CREATE TABLE dbo.Customers (
    CustomerID  int IDENTITY(1,1) NOT NULL PRIMARY KEY,
    FirstName   nvarchar(50)  NULL,
    LastName    nvarchar(50)  NOT NULL,
    CompanyName nvarchar(100) NULL,
    Email       varchar(120)  NULL,
    City        nvarchar(60)  NULL,
    RegionID    int           NOT NULL REFERENCES dbo.Regions (RegionID),
    CreditLimit money         NULL,
    CreatedDate date          NOT NULL,
    IsActive    bit           NOT NULL DEFAULT (1)
)
GO

CREATE TABLE dbo.Orders (
    OrderID      int IDENTITY(1000,1) NOT NULL,
    CustomerID   int         NOT NULL,
    EmployeeID   int         NOT NULL,
    OrderDate    datetime    NOT NULL,
    RequiredDate date        NULL,
    Status       varchar(12) NOT NULL CONSTRAINT DF_Orders_Status DEFAULT ('Open'),
    Freight      money       NOT NULL CONSTRAINT DF_Orders_Freight DEFAULT (0),
    CONSTRAINT PK_Orders PRIMARY KEY CLUSTERED (OrderID)
)
GO

CREATE TABLE dbo.OrderLines (
    OrderLineID bigint IDENTITY(1,1) NOT NULL,
    OrderID     int          NOT NULL,
    ProductID   int          NOT NULL,
    Quantity    int          NOT NULL,
    UnitPrice   money        NOT NULL,
    Discount    decimal(4,2) NOT NULL CONSTRAINT DF_OrderLines_Discount DEFAULT (0),
    PromoCode   varchar(12)  NULL,
    CONSTRAINT PK_OrderLines PRIMARY KEY CLUSTERED (OrderLineID),
    CONSTRAINT UQ_OrderLines_Order_Product UNIQUE (OrderID, ProductID)
)
GO

CREATE TABLE dbo.Shipments (
    ShipmentID     int IDENTITY(1,1) NOT NULL,
    OrderID        int          NOT NULL REFERENCES dbo.Orders (OrderID),
    ShippedDate    datetime2(0) NULL,
    Carrier        nvarchar(40) NOT NULL,
    TrackingNumber varchar(30)  NULL,
    ShipRegionID   int          NOT NULL,
    CONSTRAINT PK_Shipments PRIMARY KEY CLUSTERED (ShipmentID)
)
GO

-- Written to by the trigger on dbo.Products; starts empty.
CREATE TABLE dbo.ProductPriceAudit (
    AuditID   int IDENTITY(1,1) NOT NULL PRIMARY KEY,
    ProductID int          NOT NULL,
    OldPrice  money        NULL,
    NewPrice  money        NULL,
    ChangedAt datetime2(0) NOT NULL DEFAULT (SYSDATETIME()),
    ChangedBy nvarchar(128) NOT NULL DEFAULT (SUSER_SNAME())
)
GO

ALTER TABLE dbo.Products ADD CONSTRAINT FK_Products_Categories
    FOREIGN KEY (CategoryID) REFERENCES dbo.ProductCategories (CategoryID)
GO
ALTER TABLE dbo.Products ADD CONSTRAINT FK_Products_Suppliers
    FOREIGN KEY (SupplierID) REFERENCES dbo.Suppliers (SupplierID)
GO
ALTER TABLE dbo.Employees ADD CONSTRAINT FK_Employees_Manager
    FOREIGN KEY (ManagerID) REFERENCES dbo.Employees (EmployeeID)
GO
ALTER TABLE dbo.Orders ADD CONSTRAINT FK_Orders_Customers
    FOREIGN KEY (CustomerID) REFERENCES dbo.Customers (CustomerID)
GO
ALTER TABLE dbo.Orders ADD CONSTRAINT FK_Orders_Employees
    FOREIGN KEY (EmployeeID) REFERENCES dbo.Employees (EmployeeID)
GO
ALTER TABLE dbo.OrderLines ADD CONSTRAINT FK_OrderLines_Orders
    FOREIGN KEY (OrderID) REFERENCES dbo.Orders (OrderID)
GO
ALTER TABLE dbo.OrderLines ADD CONSTRAINT FK_OrderLines_Products
    FOREIGN KEY (ProductID) REFERENCES dbo.Products (ProductID)
GO
ALTER TABLE dbo.Shipments ADD CONSTRAINT FK_Shipments_Regions
    FOREIGN KEY (ShipRegionID) REFERENCES dbo.Regions (RegionID)
GO

/* ---------------------------------------------------------------------------
   Warehouse tables, filled by the procedures in 06_procedures.sql
   ------------------------------------------------------------------------- */

CREATE TABLE dw.DimCustomer (
    CustomerKey  int IDENTITY(1,1) NOT NULL,
    CustomerID   int           NOT NULL,
    CustomerName nvarchar(160) NOT NULL,
    City         nvarchar(60)  NULL,
    RegionName   nvarchar(50)  NOT NULL,
    IsActive     bit           NOT NULL,
    LoadedAt     datetime2(0)  NOT NULL,
    CONSTRAINT PK_DimCustomer PRIMARY KEY CLUSTERED (CustomerKey),
    CONSTRAINT UQ_DimCustomer_CustomerID UNIQUE (CustomerID)
)
GO

CREATE TABLE dw.DimProduct (
    ProductID      int           NOT NULL PRIMARY KEY,
    ProductName    nvarchar(100) NOT NULL,
    CategoryName   nvarchar(50)  NOT NULL,
    ParentCategory nvarchar(50)  NULL,
    SupplierName   nvarchar(100) NOT NULL,
    UnitPrice      money         NOT NULL,
    MarginPct      decimal(5,2)  NULL,
    IsDiscontinued bit           NOT NULL
)
GO

CREATE TABLE dw.FactSales (
    OrderLineID bigint       NOT NULL,
    OrderID     int          NOT NULL,
    OrderDate   date         NOT NULL,
    CustomerID  int          NOT NULL,
    ProductID   int          NOT NULL,
    EmployeeID  int          NOT NULL,
    Quantity    int          NOT NULL,
    NetAmount   money        NOT NULL,
    CostAmount  money        NULL,
    CONSTRAINT PK_FactSales PRIMARY KEY CLUSTERED (OrderLineID)
)
GO

CREATE TABLE dw.SalesDaily (
    SalesDate  date         NOT NULL,
    RegionID   int          NOT NULL,
    RegionName nvarchar(50) NOT NULL,
    OrderCount int          NOT NULL,
    Units      int          NOT NULL,
    Revenue    money        NOT NULL,
    CONSTRAINT PK_SalesDaily PRIMARY KEY CLUSTERED (SalesDate, RegionID)
)
GO

CREATE TABLE dw.CustomerSegments (
    SnapshotDate  date         NOT NULL,
    CustomerID    int          NOT NULL,
    OrderCount    int          NOT NULL,
    TotalRevenue  money        NOT NULL,
    Segment       varchar(10)  NOT NULL,
    CONSTRAINT PK_CustomerSegments PRIMARY KEY CLUSTERED (SnapshotDate, CustomerID)
)
GO

CREATE TABLE dw.EtlLog (
    LogID         int IDENTITY(1,1) NOT NULL PRIMARY KEY,
    ProcedureName sysname      NOT NULL,
    RowsAffected  int          NULL,
    Message       nvarchar(4000) NULL,
    LoggedAt      datetime2(0) NOT NULL DEFAULT (SYSDATETIME())
)
GO
