/*
    TrapDW: rows: mixed case, trailing spaces, NULLs and boundary dates, on purpose.
    Written for this project: a SQL Server 2019 estate whose views and procedures exercise the
    places where T-SQL and PostgreSQL disagree. Expected rows are in expected/.
*/
USE [TrapDW]
GO

SET NOCOUNT ON;
GO

INSERT INTO dbo.Customers (CustomerID, CustomerCode, FirstName, LastName, City, Country, Segment, CreditLimit, IsActive, CreatedAt, BirthDate)
VALUES
    (1, 'C001', N'Anna', N'Smith', N'Paris', 'France', 'Retail', 1000.00, 1, '2023-01-01T00:00:00', '1990-02-28'),
    (2, 'c002 ', N'Bob', N'JONES', N'PARIS', 'france', 'retail', 250.50, 1, '2023-12-31T23:59:59', '1985-12-31'),
    (3, 'C003', NULL, N'Acme Ltd', N'paris ', 'France ', 'Wholesale', NULL, 0, '2024-01-01T00:00:00', NULL),
    (4, 'C004  ', N'Chloé', N'Martin', N'Lyon', 'France', NULL, 0.00, 1, '2024-02-29T12:00:00', '2000-02-29'),
    (5, 'B005', N'dave', N'brown', N'London', 'UK', 'RETAIL ', 5000.00, 1, '2022-06-15T08:30:00', '1970-01-01'),
    (6, 'b006', N'Eve', N'Green', N'london', 'uk', 'Wholesale', 1200.75, 0, '2024-03-31T00:00:00', '1999-03-31'),
    (7, 'A007', N'Frank', N'White', NULL, 'UK', 'Online', 300.00, 1, '2021-11-30T17:45:00', '1980-11-30'),
    (8, 'a008', N'Grace', N' Hopper', N'Berlin', 'Germany', 'online', 750.25, 1, '2024-12-31T23:59:59', '1992-07-04'),
    (9, 'D009', N'Heidi', N'Klum ', N'BERLIN', 'Germany', NULL, NULL, 1, '2020-02-29T00:00:00', '1973-06-01'),
    (10, 'd010 ', NULL, N'Zeta Corp', N'Munich', 'GERMANY', 'Wholesale', 9999.99, 0, '2023-07-01T00:00:00', NULL),
    (11, 'E011', N'Ivan', N'Petrov', N'Berlin ', 'Germany', 'Retail', 100.00, 1, '2024-01-15T09:00:00', '2001-01-15'),
    (12, 'e012', N'judy', N'Ng', N'Lyon ', 'France', 'Online ', 2500.00, 1, '2023-03-15T14:20:00', '1995-10-10');
GO

INSERT INTO dbo.Products (ProductID, Sku, ProductName, Category, UnitPrice, Weight, StockQty, Discontinued)
VALUES
    (1, 'AB-100  ', N'Espresso Beans', 'Coffee', 12.50, 0.250, 100, 0),
    (2, 'ab-101  ', N'Decaf Beans', 'coffee', 13.75, 0.250, 0, 0),
    (3, 'CD-200  ', N'Green Tea', 'Tea', 4.99, 0.100, 35, 0),
    (4, 'cd-201  ', N'Earl Grey', 'TEA ', 5.49, NULL, 12, 1),
    (5, 'EF-300  ', N'Mug', 'Kitchen', 7.00, 0.450, 1, 0),
    (6, 'ef-301  ', N'French Press', 'kitchen', 29.95, 1.250, 3, 0),
    (7, 'GH-400  ', N'Filter Papers', 'Kitchen ', 2.25, 0.050, 500, 0),
    (8, 'XY-900  ', N'Gift Card', 'Other', 25.00, NULL, 1000, 0),
    (9, 'BC-150  ', N'Chai', 'Tea', 6.10, 0.150, 0, 1),
    (10, 'ZZ-999  ', N'[Sample] Item', 'other', 0.00, 0.010, 1, 1);
GO

INSERT INTO dbo.Orders (OrderID, CustomerID, OrderDate, ShipDate, Status, Priority, Freight, OrderDateKey)
VALUES
    (1, 1, '2023-12-31T23:59:59', '2024-01-02', 'Shipped', 1, 10.00, 20231231),
    (2, 1, '2024-01-01T00:00:00', '2024-01-03', 'shipped ', 2, 5.50, 20240101),
    (3, 2, '2024-01-31T08:15:00', '2024-02-01', 'SHIPPED', 3, NULL, 20240131),
    (4, 2, '2024-02-29T12:00:00', NULL, 'Open', NULL, 7.25, 20240229),
    (5, 3, '2024-03-31T23:00:00', '2024-04-01', 'Shipped', 1, 0.00, 20240331),
    (6, 4, '2024-04-01T00:00:00', NULL, 'open ', 4, 12.00, 20240401),
    (7, 5, '2024-06-30T18:30:00', '2024-07-01', 'Cancelled', 2, 3.75, 20240630),
    (8, 5, '2024-07-01T09:00:00', '2024-07-08', 'shipped', 2, 8.00, 20240701),
    (9, 6, '2024-09-30T23:59:59', '2024-10-02', 'Returned', 3, 15.00, 20240930),
    (10, 7, '2024-10-01T00:00:01', '2024-10-01', 'Shipped', 1, 10.00, 20241001),
    (11, 8, '2024-12-29T10:00:00', '2024-12-31', 'Shipped', 2, 4.40, 20241229),
    (12, 8, '2024-12-30T10:00:00', '2025-01-02', 'OPEN', 1, NULL, 20241230),
    (13, 9, '2024-12-31T23:59:59', NULL, NULL, NULL, 6.00, 20241231),
    (14, 11, '2025-01-01T00:00:00', '2025-01-03', 'Shipped', 3, 9.99, 20250101),
    (15, 12, '2024-05-15T14:45:30', '2024-05-20', 'cancelled ', 1, 2.00, 20240515),
    (16, 12, '2024-08-15T07:05:00', '2024-08-16', 'Shipped', 2, 11.11, 20240815),
    (17, 1, '2024-11-30T23:59:59', '2024-12-02', 'Shipped', 5, 6.50, 20241130),
    (18, 5, '2024-02-01T00:00:00', '2024-02-05', 'Returned ', 2, 0.99, 20240201),
    (19, 2, '2024-03-01T12:34:56', '2024-03-04', 'shipped', 1, 20.00, 20240301),
    (20, 6, '2024-12-31T00:00:00', '2025-01-01', 'Open', 3, 7.00, 20241230);
GO

INSERT INTO dbo.OrderLines (OrderLineID, OrderID, ProductID, Quantity, UnitPrice, Discount)
VALUES
    (1, 1, 4, 6, 5.49, 0.10),
    (2, 1, 1, 9, 12.00, 0.00),
    (3, 2, 7, 2, 2.25, 0.00),
    (4, 2, 4, 5, 4.99, 0.15),
    (5, 2, 1, 8, 12.50, 0.25),
    (6, 3, 10, 7, 0.00, 0.15),
    (7, 4, 3, 3, 4.99, 0.25),
    (8, 4, 10, 6, 0.00, NULL),
    (9, 5, 6, 8, 29.95, NULL),
    (10, 5, 3, 2, 4.49, 0.10),
    (11, 5, 10, 5, 0.00, 0.00),
    (12, 6, 9, 4, 6.10, 0.10),
    (13, 7, 2, 9, 13.75, 0.00),
    (14, 7, 9, 3, 5.60, 0.15),
    (15, 8, 5, 5, 7.00, 0.15),
    (16, 8, 2, 8, 13.25, 0.25),
    (17, 8, 9, 2, 6.10, NULL),
    (18, 9, 8, 1, 25.00, 0.25),
    (19, 10, 1, 6, 12.50, NULL),
    (20, 10, 8, 9, 24.50, 0.10),
    (21, 11, 4, 2, 5.49, 0.10),
    (22, 11, 1, 5, 12.00, 0.00),
    (23, 11, 8, 8, 25.00, 0.15),
    (24, 12, 7, 7, 2.25, 0.00),
    (25, 13, 10, 3, 0.00, 0.15),
    (26, 13, 7, 6, 1.75, 0.25),
    (27, 14, 3, 8, 4.99, 0.25),
    (28, 14, 10, 2, 0.00, NULL),
    (29, 14, 7, 5, 2.25, 0.10),
    (30, 15, 6, 4, 29.95, NULL),
    (31, 16, 9, 9, 6.10, 0.10),
    (32, 16, 6, 3, 29.45, 0.00),
    (33, 17, 2, 5, 13.75, 0.00),
    (34, 17, 9, 8, 5.60, 0.15),
    (35, 17, 6, 2, 29.95, 0.25),
    (36, 18, 5, 1, 7.00, 0.15),
    (37, 19, 8, 6, 25.00, 0.25),
    (38, 19, 5, 9, 6.50, NULL),
    (39, 20, 1, 2, 12.50, NULL),
    (40, 20, 8, 5, 24.50, 0.10),
    (41, 20, 5, 8, 7.00, 0.00);
GO

INSERT INTO dbo.Employees (EmployeeID, FullName, ManagerID, Dept, HireDate, Salary)
VALUES
    (1, N'Ada Boss', NULL, 'Exec', '2015-01-01', 200000.00),
    (2, N'Ben Lead', 1, 'Sales', '2016-03-15', 120000.00),
    (3, N'cara lead', 1, 'IT', '2017-07-01', 125000.50),
    (4, N'Dan Rep', 2, 'sales', '2020-02-29', 60000.00),
    (5, N'Eli Rep', 2, 'Sales ', '2021-12-31', 58000.00),
    (6, N'Fay Dev', 3, 'it', '2022-01-01', 90000.00),
    (7, N'Gus Dev', 3, 'IT', '2023-06-30', NULL),
    (8, N'Hal Intern', 6, 'IT', '2024-09-01', 30000.00);
GO

INSERT INTO dbo.Events (EventID, Label, StartAt, EndAt)
VALUES
    (1, 'new year second', '2023-12-31T23:59:59', '2024-01-01T00:00:00'),
    (2, 'month end overnight', '2024-01-31T10:00:00', '2024-02-01T09:00:00'),
    (3, 'leap day span', '2024-02-28T00:00:00', '2024-03-01T00:00:00'),
    (4, 'saturday to sunday', '2024-03-30T12:00:00', '2024-03-31T12:00:00'),
    (5, 'quarter end night', '2024-06-30T23:00:00', '2024-07-01T01:00:00'),
    (6, 'leap to leap', '2020-02-29T00:00:00', '2024-02-28T00:00:00'),
    (7, 'backwards', '2024-12-31T00:00:00', '2023-01-01T00:00:00'),
    (8, 'one second minute', '2024-05-15T10:30:59', '2024-05-15T10:31:00'),
    (9, 'three years less a second', '2022-01-01T00:00:00', '2024-12-31T23:59:59'),
    (10, 'sunday to saturday', '2024-09-01T00:00:00', '2024-09-07T23:59:59');
GO

INSERT INTO dbo.KeyDates (DateID, TheDate, Note)
VALUES
    (1, '2024-01-31', 'january end'),
    (2, '2024-02-29', 'leap day'),
    (3, '2024-03-31', 'march end'),
    (4, '2023-12-31', 'year end sunday'),
    (5, '2024-12-30', 'monday iso week 1'),
    (6, '2024-12-29', 'sunday'),
    (7, '2025-01-01', 'new year'),
    (8, '2024-06-15', 'mid june saturday'),
    (9, '2000-02-29', 'leap century'),
    (10, '2024-07-04', 'thursday');
GO

INSERT INTO dbo.Notes (NoteID, Txt, NumText, DateText)
VALUES
    (1, 'alpha', '5', '20240229'),
    (2, 'Beta', '12', '20240230'),
    (3, 'gamma ', 'abc', '20231231'),
    (4, NULL, NULL, NULL),
    (5, 'Delta-1', ' 7 ', '19991231'),
    (6, 'epsilon', '3.5', '20000229'),
    (7, 'Zeta', '-4', 'not a date'),
    (8, 'eta', '1e3', '21000229'),
    (9, 'THETA', '00012', '20240101'),
    (10, '[iota]', '2147483648', '20241301');
GO

INSERT INTO dbo.SalesTargets (Region, Yr, Q1, Q2, Q3, Q4)
VALUES
    ('North', 2024, 100, 120, NULL, 90),
    ('south', 2024, 80, NULL, NULL, 70),
    ('East', 2023, 50, 60, 70, 80),
    ('West', 2024, NULL, NULL, NULL, NULL);
GO

INSERT INTO dbo.CodeAliases (AliasID, CustomerCode, Alias)
VALUES
    (1, 'c001', 'first'),
    (2, 'C002', 'second'),
    (3, 'c003   ', 'third'),
    (4, 'b005', 'fifth'),
    (5, 'X999', 'ghost'),
    (6, 'D010', 'tenth');
GO
