/*
    TrapDW: tables.
    Written for this project: a SQL Server 2019 estate whose views and procedures exercise the
    places where T-SQL and PostgreSQL disagree. Expected rows are in expected/.
*/
USE [TrapDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

CREATE TABLE dbo.Customers (
    CustomerID     int            NOT NULL,
    CustomerCode   varchar(10)    NOT NULL,
    FirstName      nvarchar(30)   NULL,
    LastName       nvarchar(30)   NOT NULL,
    City           nvarchar(30)   NULL,
    Country        varchar(20)    NOT NULL,
    Segment        varchar(10)    NULL,
    CreditLimit    money          NULL,
    IsActive       bit            NOT NULL,
    CreatedAt      datetime       NOT NULL,
    BirthDate      date           NULL,
    CONSTRAINT PK_dbo_Customers PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE dbo.Products (
    ProductID      int            NOT NULL,
    Sku            char(8)        NOT NULL,
    ProductName    nvarchar(40)   NOT NULL,
    Category       varchar(20)    NOT NULL,
    UnitPrice      money          NOT NULL,
    Weight         decimal(8,3)   NULL,
    StockQty       int            NOT NULL,
    Discontinued   bit            NOT NULL,
    CONSTRAINT PK_dbo_Products PRIMARY KEY (ProductID)
)
GO

CREATE TABLE dbo.Orders (
    OrderID        int            NOT NULL,
    CustomerID     int            NOT NULL,
    OrderDate      datetime       NOT NULL,
    ShipDate       date           NULL,
    Status         varchar(12)    NULL,
    Priority       int            NULL,
    Freight        money          NULL,
    OrderDateKey   int            NOT NULL,
    CONSTRAINT PK_dbo_Orders PRIMARY KEY (OrderID),
    CONSTRAINT FK_Orders_Customers_CustomerID FOREIGN KEY (CustomerID) REFERENCES dbo.Customers (CustomerID)
)
GO

CREATE TABLE dbo.OrderLines (
    OrderLineID    int            NOT NULL,
    OrderID        int            NOT NULL,
    ProductID      int            NOT NULL,
    Quantity       int            NOT NULL,
    UnitPrice      money          NOT NULL,
    Discount       decimal(4,2)   NULL,
    CONSTRAINT PK_dbo_OrderLines PRIMARY KEY (OrderLineID),
    CONSTRAINT FK_OrderLines_Orders_OrderID FOREIGN KEY (OrderID) REFERENCES dbo.Orders (OrderID),
    CONSTRAINT FK_OrderLines_Products_ProductID FOREIGN KEY (ProductID) REFERENCES dbo.Products (ProductID)
)
GO

CREATE TABLE dbo.Employees (
    EmployeeID     int            NOT NULL,
    FullName       nvarchar(40)   NOT NULL,
    ManagerID      int            NULL,
    Dept           varchar(20)    NOT NULL,
    HireDate       date           NOT NULL,
    Salary         decimal(10,2)  NULL,
    CONSTRAINT PK_dbo_Employees PRIMARY KEY (EmployeeID),
    CONSTRAINT FK_Employees_Employees_ManagerID FOREIGN KEY (ManagerID) REFERENCES dbo.Employees (EmployeeID)
)
GO

CREATE TABLE dbo.Events (
    EventID        int            NOT NULL,
    Label          varchar(30)    NOT NULL,
    StartAt        datetime       NOT NULL,
    EndAt          datetime       NOT NULL,
    CONSTRAINT PK_dbo_Events PRIMARY KEY (EventID)
)
GO

CREATE TABLE dbo.KeyDates (
    DateID         int            NOT NULL,
    TheDate        date           NOT NULL,
    Note           varchar(30)    NOT NULL,
    CONSTRAINT PK_dbo_KeyDates PRIMARY KEY (DateID)
)
GO

CREATE TABLE dbo.Notes (
    NoteID         int            NOT NULL,
    Txt            varchar(40)    NULL,
    NumText        varchar(12)    NULL,
    DateText       varchar(10)    NULL,
    CONSTRAINT PK_dbo_Notes PRIMARY KEY (NoteID)
)
GO

CREATE TABLE dbo.SalesTargets (
    Region         varchar(10)    NOT NULL,
    Yr             int            NOT NULL,
    Q1             int            NULL,
    Q2             int            NULL,
    Q3             int            NULL,
    Q4             int            NULL,
    CONSTRAINT PK_dbo_SalesTargets PRIMARY KEY (Region, Yr)
)
GO

CREATE TABLE dbo.CodeAliases (
    AliasID        int            NOT NULL,
    CustomerCode   varchar(10)    NOT NULL,
    Alias          varchar(20)    NOT NULL,
    CONSTRAINT PK_dbo_CodeAliases PRIMARY KEY (AliasID)
)
GO

-- Tables loaded by the etl procedures (06_procedures.sql); empty until they run.

CREATE TABLE etl.CustomerNames (
    CustomerID     int            NOT NULL,
    FullName       nvarchar(61)   NULL,
    ConcatName     nvarchar(63)   NULL,
    CONSTRAINT PK_etl_CustomerNames PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.NumberTextPlus (
    CustomerID     int            NOT NULL,
    FivePlusThree  int            NULL,
    IdText         varchar(11)    NULL,
    IdNumber       int            NULL,
    CONSTRAINT PK_etl_NumberTextPlus PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.RetailOrOnline (
    CustomerID     int            NOT NULL,
    Segment        varchar(10)    NULL,
    CONSTRAINT PK_etl_RetailOrOnline PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.CountryCities (
    CountryName    varchar(20)    NOT NULL,
    Customers      int            NULL,
    Cities         int            NULL,
    WithCity       int            NULL,
    CONSTRAINT PK_etl_CountryCities PRIMARY KEY (CountryName)
)
GO

CREATE TABLE etl.ProductStrings (
    ProductID      int            NOT NULL,
    Stuffed        nvarchar(40)   NULL,
    Stars          varchar(6)     NULL,
    Prefix         nvarchar(4)    NULL,
    SkuTail        varchar(6)     NULL,
    FromZero       nvarchar(3)    NULL,
    CONSTRAINT PK_etl_ProductStrings PRIMARY KEY (ProductID)
)
GO

CREATE TABLE etl.SkuLists (
    Discontinued   bit            NOT NULL,
    SkuList        varchar(8000)  NULL,
    IdList         varchar(8000)  NULL,
    CONSTRAINT PK_etl_SkuLists PRIMARY KEY (Discontinued)
)
GO

CREATE TABLE etl.UpperCheck (
    CustomerID     int            NOT NULL,
    LooksUpper     int            NULL,
    CONSTRAINT PK_etl_UpperCheck PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.AliasMatches (
    AliasID        int            NOT NULL,
    CustomerID     int            NULL,
    Alias          varchar(20)    NULL,
    CONSTRAINT PK_etl_AliasMatches PRIMARY KEY (AliasID)
)
GO

CREATE TABLE etl.FirstNameOrder (
    CustomerID     int            NOT NULL,
    NameRank       bigint         NULL,
    CONSTRAINT PK_etl_FirstNameOrder PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.ProductLookup (
    ProductID      int            NOT NULL,
    ProductName    nvarchar(40)   NULL,
    CONSTRAINT PK_etl_ProductLookup PRIMARY KEY (ProductID)
)
GO

CREATE TABLE etl.OrderQtyAverages (
    OrderID        int            NOT NULL,
    AvgQty         int            NULL,
    SumQty         int            NULL,
    Lines          int            NULL,
    CONSTRAINT PK_etl_OrderQtyAverages PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.PriceRounding (
    ProductID      int            NOT NULL,
    PriceRounded   money          NULL,
    NegRounded     money          NULL,
    WeightRounded  decimal(8,3)   NULL,
    WeightTruncated decimal(8,3)   NULL,
    CONSTRAINT PK_etl_PriceRounding PRIMARY KEY (ProductID)
)
GO

CREATE TABLE etl.FreightBands (
    OrderID        int            NOT NULL,
    FreightInt     int            NULL,
    FreightRounded money          NULL,
    Band           varchar(7)     NULL,
    CONSTRAINT PK_etl_FreightBands PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.ProductShare (
    ProductID      int            NOT NULL,
    StockShare     decimal(5,1)   NULL,
    CONSTRAINT PK_etl_ProductShare PRIMARY KEY (ProductID)
)
GO

CREATE TABLE etl.EventSpansCalendar (
    EventID        int            NOT NULL,
    Years          int            NULL,
    Quarters       int            NULL,
    Months         int            NULL,
    Weeks          int            NULL,
    CONSTRAINT PK_etl_EventSpansCalendar PRIMARY KEY (EventID)
)
GO

CREATE TABLE etl.MonthArithmetic (
    DateID         int            NOT NULL,
    NextMonth      date           NULL,
    PrevMonth      date           NULL,
    NextYear       date           NULL,
    MonthEnd       date           NULL,
    NextMonthEnd   date           NULL,
    MonthStart     date           NULL,
    CONSTRAINT PK_etl_MonthArithmetic PRIMARY KEY (DateID)
)
GO

CREATE TABLE etl.DateStyles (
    DateID         int            NOT NULL,
    UsDate         varchar(10)    NULL,
    UkDate         varchar(10)    NULL,
    IsoBasic       varchar(8)     NULL,
    DaysInMonth    int            NULL,
    CONSTRAINT PK_etl_DateStyles PRIMARY KEY (DateID)
)
GO

CREATE TABLE etl.OrderDayMath (
    OrderID        int            NOT NULL,
    NextDay        datetime       NULL,
    PrevDay        datetime       NULL,
    OrderDay       date           NULL,
    Midnight       datetime       NULL,
    CONSTRAINT PK_etl_OrderDayMath PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.OrderDateKeys (
    OrderID        int            NOT NULL,
    KeyDate        date           NULL,
    KeyYear        int            NULL,
    KeyMonth       int            NULL,
    KeyMatches     int            NULL,
    DayNumber      int            NULL,
    FromDayNumber  datetime       NULL,
    CONSTRAINT PK_etl_OrderDateKeys PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.ShippingDays (
    OrderID        int            NOT NULL,
    DaysToShip     int            NULL,
    ShippedLate    int            NULL,
    CONSTRAINT PK_etl_ShippingDays PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.WeekendOrders (
    OrderID        int            NOT NULL,
    DayName        nvarchar(30)   NULL,
    CONSTRAINT PK_etl_WeekendOrders PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.SignupCohorts (
    Cohort         char(7)        NOT NULL,
    Customers      int            NULL,
    CONSTRAINT PK_etl_SignupCohorts PRIMARY KEY (Cohort)
)
GO

CREATE TABLE etl.TopFreightPercent (
    OrderID        int            NOT NULL,
    Freight        money          NULL,
    CONSTRAINT PK_etl_TopFreightPercent PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.LowestCredit (
    CustomerID     int            NOT NULL,
    CreditLimit    money          NULL,
    CONSTRAINT PK_etl_LowestCredit PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.CustomerRunningFreight (
    OrderID        int            NOT NULL,
    RunningFreight money          NULL,
    PreviousOrderDate datetime       NULL,
    CustomerOrders int            NULL,
    CONSTRAINT PK_etl_CustomerRunningFreight PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.MonthSeries (
    MonthStart     date           NOT NULL,
    Orders         int            NULL,
    CONSTRAINT PK_etl_MonthSeries PRIMARY KEY (MonthStart)
)
GO

CREATE TABLE etl.FirstOrders (
    CustomerID     int            NOT NULL,
    FirstOrderID   int            NULL,
    FirstFreight   money          NULL,
    CONSTRAINT PK_etl_FirstOrders PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.TargetsByQuarter (
    Region         varchar(10)    NOT NULL,
    Yr             int            NOT NULL,
    QuarterName    nvarchar(128)  NOT NULL,
    Amount         int            NULL,
    CONSTRAINT PK_etl_TargetsByQuarter PRIMARY KEY (Region, Yr, QuarterName)
)
GO

CREATE TABLE etl.NoteConversions (
    NoteID         int            NOT NULL,
    AsInt          int            NULL,
    AsDecimal      decimal(6,2)   NULL,
    AsDate         date           NULL,
    CONSTRAINT PK_etl_NoteConversions PRIMARY KEY (NoteID)
)
GO

CREATE TABLE etl.OrderTotals (
    OrderID        int            NOT NULL,
    CustomerID     int            NULL,
    LineCount      int            NULL,
    Units          int            NULL,
    NetAmount      money          NULL,
    CONSTRAINT PK_etl_OrderTotals PRIMARY KEY (OrderID)
)
GO

CREATE TABLE etl.TopCustomers (
    CustomerID     int            NOT NULL,
    FullName       nvarchar(61)   NULL,
    NetAmount      money          NULL,
    CONSTRAINT PK_etl_TopCustomers PRIMARY KEY (CustomerID)
)
GO

CREATE TABLE etl.LineNet (
    OrderLineID    int            NOT NULL,
    NetAmount      money          NULL,
    CleanSku       varchar(10)    NULL,
    CONSTRAINT PK_etl_LineNet PRIMARY KEY (OrderLineID)
)
GO

