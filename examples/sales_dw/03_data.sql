/*
    SalesDW: sample data.
    dbo.OrderLines is bigger and ships as data/dbo.OrderLines.csv; load it after
    this script, e.g.:

    BULK INSERT dbo.OrderLines FROM 'C:\SalesDW\data\dbo.OrderLines.csv'
        WITH (FORMAT = 'CSV', FIRSTROW = 2, KEEPIDENTITY, CODEPAGE = '65001');
*/
USE [SalesDW]
GO

SET NOCOUNT ON;
GO

INSERT INTO dbo.Regions (RegionID, RegionCode, RegionName, Country)
VALUES
    (1, 'NE', N'North East', N'United States'),
    (2, 'SE', N'South East', N'United States'),
    (3, 'MW', N'Midwest', N'United States'),
    (4, 'WC', N'West Coast', N'United States'),
    (5, 'UK', N'United Kingdom', N'United Kingdom'),
    (6, 'DE', N'Germany', N'Germany'),
    (7, 'FR', N'France', N'France'),
    (8, 'NO', N'Nordics', N'Norway');
GO

SET IDENTITY_INSERT dbo.ProductCategories ON;
INSERT INTO dbo.ProductCategories (CategoryID, CategoryName, ParentCategoryID)
VALUES
    (1, N'Beverages', NULL),
    (2, N'Food', NULL),
    (3, N'Household', NULL),
    (4, N'Coffee', 1),
    (5, N'Tea', 1),
    (6, N'Juices', 1),
    (7, N'Snacks', 2),
    (8, N'Bakery', 2),
    (9, N'Cleaning', 3),
    (10, N'Paper Goods', 3);
SET IDENTITY_INSERT dbo.ProductCategories OFF;
GO

SET IDENTITY_INSERT dbo.Suppliers ON;
INSERT INTO dbo.Suppliers (SupplierID, SupplierName, ContactName, Phone, RegionID, IsActive)
VALUES
    (1, N'Bean & Leaf Importers', N'Maria Gonzalez', '+1-212-555-0143', 1, 1),
    (2, N'Nordic Roasters AS', N'Ole Hansen', '+47 22 55 01 99', 8, 1),
    (3, N'Sunny Orchards', N'Tom Baker', '+1-305-555-0187', 2, 1),
    (4, N'Crunch Co.', NULL, '+1-312-555-0110', 3, 1),
    (5, N'Boulangerie Dupont', N'Amélie Dupont', '+33 1 55 01 22 33', 7, 1),
    (6, N'CleanHome GmbH', N'Jürgen Weiß', '+49 30 5550 1234', 6, 1),
    (7, N'Pacific Paper Mills', N'Grace Lee', '+1-415-555-0162', 4, 1),
    (8, N'Highland Teas Ltd', N'Siobhan O''Neill', NULL, 5, 1),
    (9, N'Old Mill Snacks', N'Frank Miller', '+1-617-555-0171', 1, 0),
    (10, N'Citrus Valley Farms', N'Luis Ortega', '+1-559-555-0128', 4, 1);
SET IDENTITY_INSERT dbo.Suppliers OFF;
GO

SET IDENTITY_INSERT dbo.Products ON;
INSERT INTO dbo.Products (ProductID, ProductName, CategoryID, SupplierID, UnitPrice, UnitCost, Discontinued, CreatedAt)
VALUES
    (1, N'Colombian Dark Roast 1kg', 4, 1, 24.90, 14.20, 0, '2021-01-01T09:00:00'),
    (2, N'Ethiopian Yirgacheffe 500g', 4, 2, 18.50, 10.75, 0, '2021-02-02T09:00:00'),
    (3, N'Espresso Blend 1kg', 4, 2, 22.00, 12.40, 0, '2021-03-03T09:00:00'),
    (4, N'Decaf House Blend 500g', 4, 1, 13.75, 7.90, 1, '2021-04-04T09:00:00'),
    (5, N'Earl Grey 100 bags', 5, 8, 6.95, 3.10, 0, '2021-05-05T09:00:00'),
    (6, N'Sencha Green Tea 250g', 5, 8, 11.40, 5.80, 0, '2021-06-06T09:00:00'),
    (7, N'Rooibos Vanilla 50 bags', 5, 8, 4.80, NULL, 0, '2021-07-07T09:00:00'),
    (8, N'Orange Juice 1L', 6, 10, 3.20, 1.45, 0, '2021-08-08T09:00:00'),
    (9, N'Apple & Ginger Juice 1L', 6, 3, 3.60, 1.70, 0, '2021-09-09T09:00:00'),
    (10, N'Cold-Pressed Green Juice 500ml', 6, 3, 5.90, 3.05, 0, '2021-10-10T09:00:00'),
    (11, N'Sea Salt Crisps 150g', 7, 4, 2.40, 0.95, 0, '2021-11-11T09:00:00'),
    (12, N'Dark Chocolate Almonds 200g', 7, 9, 5.75, 2.60, 1, '2021-12-12T09:00:00'),
    (13, N'Trail Mix 400g', 7, 4, 6.20, 3.30, 0, '2021-01-13T09:00:00'),
    (14, N'Butter Croissant 4-pack', 8, 5, 4.50, 2.10, 0, '2021-02-14T09:00:00'),
    (15, N'Sourdough Loaf 800g', 8, 5, 5.25, 2.35, 0, '2021-03-15T09:00:00'),
    (16, N'Pain au Chocolat 4-pack', 8, 5, 5.10, 2.45, 0, '2021-04-16T09:00:00'),
    (17, N'All-Purpose Cleaner 750ml', 9, 6, 3.95, 1.60, 0, '2021-05-17T09:00:00'),
    (18, N'Dishwasher Tablets 40x', 9, 6, 9.80, 5.10, 0, '2021-06-18T09:00:00'),
    (19, N'Glass Cleaner 500ml', 9, 6, 2.95, NULL, 0, '2021-07-19T09:00:00'),
    (20, N'Paper Towels 6 rolls', 10, 7, 7.40, 4.05, 0, '2021-08-20T09:00:00'),
    (21, N'Toilet Tissue 12 rolls', 10, 7, 8.90, 5.20, 0, '2021-09-21T09:00:00'),
    (22, N'Napkins 200 pack', 10, 7, 3.30, 1.55, 0, '2021-10-22T09:00:00'),
    (23, N'Chai Spice Tea 250g', 5, 8, 9.60, 4.40, 0, '2021-11-23T09:00:00'),
    (24, N'Iced Coffee Concentrate 1L', 4, 1, 8.75, 4.10, 0, '2021-12-24T09:00:00');
SET IDENTITY_INSERT dbo.Products OFF;
GO

INSERT INTO dbo.Employees (EmployeeID, FirstName, LastName, Title, ManagerID, RegionID, HireDate, Salary)
VALUES
    (1, N'Helen', N'Carter', N'Chief Sales Officer', NULL, NULL, '2012-03-01', 185000.00),
    (2, N'David', N'Okafor', N'Sales Manager, Americas', 1, 1, '2014-06-16', 128000.00),
    (3, N'Ingrid', N'Larsen', N'Sales Manager, Europe', 1, 8, '2015-01-12', 121500.00),
    (4, N'Raj', N'Patel', N'Sales Manager, West', 1, 4, '2016-09-05', 119000.00),
    (5, N'Emily', N'Nguyen', N'Account Executive', 2, 1, '2018-02-19', 72000.00),
    (6, N'Marcus', N'Johnson', N'Account Executive', 2, 2, '2019-07-01', 69500.00),
    (7, N'Sophie', N'Müller', N'Account Executive', 3, 6, '2017-11-13', 68000.00),
    (8, N'Pierre', N'Lefèvre', N'Account Executive', 3, 7, '2020-04-20', 66000.00),
    (9, N'Olivia', N'Brown', N'Account Executive', 3, 5, '2021-01-04', 64500.00),
    (10, N'Carlos', N'Ramírez', N'Account Executive', 4, 4, '2019-10-28', 70500.00),
    (11, N'Aisha', N'Khan', N'Account Executive', 2, 3, '2022-05-09', 61000.00),
    (12, N'Liam', N'O''Connor', N'Sales Intern', 4, 4, '2024-06-03', NULL);
GO

SET IDENTITY_INSERT dbo.Customers ON;
INSERT INTO dbo.Customers (CustomerID, FirstName, LastName, CompanyName, Email, City, RegionID, CreditLimit, CreatedDate, IsActive)
VALUES
    (1, N'James', N'O''Brien', N'O''Brien Catering', 'james@obriencatering.com', N'Boston', 1, 5000.00, '2022-01-15', 1),
    (2, N'Mary', N'Smith', NULL, 'mary.smith@example.com', N'New York', 1, 1500.00, '2022-02-03', 1),
    (3, N'Robert', N'Williams', N'Williams Deli', 'orders@williamsdeli.com', N'Hartford', 1, 8000.00, '2022-02-20', 1),
    (4, N'Patricia', N'Davis', NULL, NULL, N'Atlanta', 2, NULL, '2022-03-11', 1),
    (5, N'Michael', N'Garcia', N'Garcia Foods LLC', 'mgarcia@garciafoods.com', N'Miami', 2, 12000.00, '2022-04-02', 1),
    (6, N'Linda', N'Martinez', NULL, 'linda.m@example.com', N'Orlando', 2, 1000.00, '2022-04-18', 0),
    (7, N'William', N'Anderson', N'Anderson Office Supply', 'bill@andersonoffice.com', N'Chicago', 3, 6500.00, '2022-05-07', 1),
    (8, N'Elizabeth', N'Taylor', NULL, 'etaylor@example.com', N'Minneapolis', 3, 2000.00, '2022-05-30', 1),
    (9, N'David', N'Thomas', N'Lakeside Café', 'hello@lakesidecafe.com', N'Milwaukee', 3, 4000.00, '2022-06-21', 1),
    (10, N'Jennifer', N'Moore', NULL, NULL, N'Seattle', 4, 1500.00, '2022-07-09', 1),
    (11, N'Richard', N'Jackson', N'Jackson & Sons Grocers', 'rj@jacksongrocers.com', N'Portland', 4, 9500.00, '2022-08-14', 1),
    (12, N'Susan', N'White', NULL, 'susan.white@example.com', N'San Francisco', 4, 2500.00, '2022-09-01', 1),
    (13, N'Joseph', N'Harris', N'Harris Hotels', 'purchasing@harrishotels.com', N'San Diego', 4, 20000.00, '2022-09-25', 1),
    (14, N'Oliver', N'Hughes', NULL, 'oliver.hughes@example.co.uk', N'London', 5, 1800.00, '2022-10-12', 1),
    (15, N'Charlotte', N'Evans', N'Evans Tea Rooms', 'info@evanstearooms.co.uk', N'Bath', 5, 3500.00, '2022-11-05', 1),
    (16, N'George', N'Wright', NULL, NULL, N'Manchester', 5, NULL, '2022-11-28', 1),
    (17, N'Lukas', N'Schneider', N'Schneider Bäckerei', 'lukas@schneider-baeckerei.de', N'München', 6, 7000.00, '2023-01-09', 1),
    (18, N'Anna', N'Fischer', NULL, 'anna.fischer@example.de', N'Berlin', 6, 1200.00, '2023-01-30', 1),
    (19, N'Jonas', N'Weber', N'Weber Büromarkt', 'einkauf@weber-buero.de', N'Hamburg', 6, 9000.00, '2023-02-22', 1),
    (20, N'Camille', N'Bernard', NULL, 'camille.b@example.fr', N'Lyon', 7, 1600.00, '2023-03-14', 1),
    (21, N'Hugo', N'Dubois', N'Café de la Gare', 'contact@cafedelagare.fr', N'Paris', 7, 5500.00, '2023-04-03', 1),
    (22, N'Léa', N'Moreau', NULL, NULL, N'Marseille', 7, 900.00, '2023-04-27', 0),
    (23, N'Nora', N'Johansen', N'Fjord Kaffebar', 'post@fjordkaffebar.no', N'Bergen', 8, 4200.00, '2023-05-19', 1),
    (24, N'Erik', N'Lindqvist', NULL, 'erik.lindqvist@example.se', N'Stockholm', 8, 2100.00, '2023-06-08', 1),
    (25, NULL, N'Zoë''s Organic Market', N'Zoë''s Organic Market', 'orders@zoesorganic.com', N'Denver', 3, 15000.00, '2023-07-01', 1),
    (26, N'Daniel', N'Kim', NULL, 'daniel.kim@example.com', N'Los Angeles', 4, 3000.00, '2023-08-16', 1),
    (27, N'Grace', N'O''Malley', N'O''Malley''s Pub', 'grace@omalleys.ie', N'Liverpool', 5, 4500.00, '2023-09-04', 1),
    (28, N'Ahmed', N'Hassan', NULL, 'ahmed.hassan@example.com', N'Philadelphia', 1, 2200.00, '2023-10-23', 1),
    (29, N'Sofia', N'Rossi', N'Rossi Trattoria', 'sofia@rossitrattoria.com', N'Chicago', 3, 6000.00, '2024-01-11', 1),
    (30, N'Mateo', N'López', NULL, NULL, N'Houston', 2, 1000.00, '2024-03-02', 1);
SET IDENTITY_INSERT dbo.Customers OFF;
GO

SET IDENTITY_INSERT dbo.Orders ON;
INSERT INTO dbo.Orders (OrderID, CustomerID, EmployeeID, OrderDate, RequiredDate, Status, Freight)
VALUES
    (1000, 19, 7, '2024-01-06T16:45:00', NULL, 'Delivered', 15.95),
    (1001, 6, 6, '2024-01-08T11:15:00', NULL, 'Delivered', 9.50),
    (1002, 20, 8, '2024-01-15T16:45:00', '2024-01-22', 'Delivered', 45.00),
    (1003, 7, 11, '2024-01-20T11:00:00', '2024-01-27', 'Delivered', 43.95),
    (1004, 12, 10, '2024-01-24T15:00:00', '2024-01-31', 'Delivered', 37.00),
    (1005, 19, 7, '2024-01-30T08:45:00', '2024-02-06', 'Delivered', 21.95),
    (1006, 17, 7, '2024-02-05T15:00:00', NULL, 'Delivered', 32.00),
    (1007, 7, 11, '2024-02-07T17:30:00', '2024-02-14', 'Delivered', 14.50),
    (1008, 25, 11, '2024-02-12T08:00:00', '2024-02-19', 'Delivered', 42.50),
    (1009, 27, 9, '2024-02-17T11:30:00', '2024-02-24', 'Delivered', 21.00),
    (1010, 21, 8, '2024-02-23T16:15:00', NULL, 'Delivered', 38.00),
    (1011, 15, 9, '2024-02-29T16:15:00', '2024-03-07', 'Delivered', 32.50),
    (1012, 3, 5, '2024-03-05T09:45:00', '2024-03-12', 'Delivered', 23.00),
    (1013, 30, 6, '2024-03-10T13:45:00', NULL, 'Delivered', 5.50),
    (1014, 11, 10, '2024-03-14T12:30:00', NULL, 'Delivered', 34.95),
    (1015, 26, 10, '2024-03-21T12:00:00', '2024-03-28', 'Delivered', 31.95),
    (1016, 10, 10, '2024-03-23T10:00:00', '2024-03-30', 'Delivered', 52.50),
    (1017, 24, 3, '2024-03-30T17:30:00', '2024-04-06', 'Delivered', 39.00),
    (1018, 10, 10, '2024-04-05T16:45:00', '2024-04-12', 'Delivered', 40.00),
    (1019, 1, 5, '2024-04-07T08:45:00', '2024-04-14', 'Delivered', 9.95),
    (1020, 15, 9, '2024-04-12T13:00:00', '2024-04-19', 'Delivered', 15.50),
    (1021, 17, 7, '2024-04-19T12:00:00', '2024-04-26', 'Delivered', 11.00),
    (1022, 9, 11, '2024-04-25T10:30:00', '2024-05-02', 'Delivered', 46.00),
    (1023, 26, 10, '2024-04-28T15:45:00', '2024-05-05', 'Delivered', 14.00),
    (1024, 3, 5, '2024-05-02T15:15:00', '2024-05-09', 'Delivered', 32.00),
    (1025, 4, 6, '2024-05-10T12:00:00', '2024-05-17', 'Delivered', 39.50),
    (1026, 2, 5, '2024-05-14T11:00:00', '2024-05-21', 'Delivered', 60.95),
    (1027, 4, 6, '2024-05-18T13:30:00', '2024-05-25', 'Delivered', 30.95),
    (1028, 22, 8, '2024-05-23T10:15:00', '2024-05-30', 'Delivered', 13.00),
    (1029, 26, 10, '2024-05-30T12:45:00', '2024-06-06', 'Delivered', 49.95),
    (1030, 29, 11, '2024-06-03T12:15:00', '2024-06-10', 'Delivered', 38.00),
    (1031, 17, 7, '2024-06-08T16:30:00', NULL, 'Delivered', 16.50),
    (1032, 27, 9, '2024-06-13T17:15:00', '2024-06-20', 'Delivered', 58.50),
    (1033, 9, 11, '2024-06-16T11:30:00', '2024-06-23', 'Delivered', 38.50),
    (1034, 20, 8, '2024-06-21T15:45:00', '2024-06-28', 'Delivered', 15.00),
    (1035, 1, 5, '2024-06-26T12:15:00', '2024-07-03', 'Delivered', 36.95),
    (1036, 22, 8, '2024-07-04T17:15:00', '2024-07-11', 'Delivered', 3.00),
    (1037, 14, 9, '2024-07-08T11:45:00', '2024-07-15', 'Delivered', 48.00),
    (1038, 2, 5, '2024-07-14T12:30:00', '2024-07-21', 'Delivered', 51.50),
    (1039, 23, 3, '2024-07-16T14:15:00', '2024-07-23', 'Delivered', 50.00),
    (1040, 5, 6, '2024-07-24T16:00:00', '2024-07-31', 'Shipped', 48.00),
    (1041, 30, 6, '2024-07-28T10:00:00', NULL, 'Shipped', 50.50),
    (1042, 29, 11, '2024-08-01T17:30:00', '2024-08-08', 'Shipped', 47.50),
    (1043, 19, 7, '2024-08-07T10:30:00', '2024-08-14', 'Shipped', 57.00),
    (1044, 4, 6, '2024-08-11T12:30:00', '2024-08-18', 'Shipped', 43.50),
    (1045, 2, 5, '2024-08-18T17:30:00', '2024-08-25', 'Shipped', 34.50),
    (1046, 5, 6, '2024-08-21T08:00:00', '2024-08-28', 'Shipped', 0.00),
    (1047, 17, 7, '2024-08-27T17:00:00', '2024-09-03', 'Shipped', 17.00),
    (1048, 16, 9, '2024-09-01T15:45:00', '2024-09-08', 'Cancelled', 0.50),
    (1049, 12, 10, '2024-09-05T15:15:00', '2024-09-12', 'Open', 18.95),
    (1050, 7, 11, '2024-09-10T15:15:00', '2024-09-17', 'Open', 41.50),
    (1051, 24, 3, '2024-09-16T15:15:00', '2024-09-23', 'Open', 7.95),
    (1052, 30, 6, '2024-09-19T09:00:00', '2024-09-26', 'Cancelled', 2.00),
    (1053, 16, 9, '2024-09-26T08:30:00', '2024-10-03', 'Open', 32.95),
    (1054, 14, 9, '2024-09-30T11:15:00', '2024-10-07', 'Cancelled', 10.95),
    (1055, 9, 11, '2024-10-04T14:45:00', NULL, 'Open', 57.50),
    (1056, 17, 7, '2024-10-12T15:15:00', '2024-10-19', 'Cancelled', 50.50),
    (1057, 18, 7, '2024-10-14T09:00:00', NULL, 'Open', 32.50),
    (1058, 4, 6, '2024-10-19T15:45:00', '2024-10-26', 'Open', 17.00),
    (1059, 3, 5, '2024-10-26T11:45:00', '2024-11-02', 'Cancelled', 2.50);
SET IDENTITY_INSERT dbo.Orders OFF;
GO

SET IDENTITY_INSERT dbo.Shipments ON;
INSERT INTO dbo.Shipments (ShipmentID, OrderID, ShippedDate, Carrier, TrackingNumber, ShipRegionID)
VALUES
    (1, 1000, '2024-01-14T17:45:00', N'FedEx', 'TRK1000680814', 6),
    (2, 1001, '2024-01-10T19:15:00', N'DHL Express', 'TRK1001318088', 2),
    (3, 1002, '2024-01-20T00:45:00', N'PostNord', 'TRK1002865454', 7),
    (4, 1003, '2024-01-25T19:00:00', N'PostNord', 'TRK1003365304', 3),
    (5, 1004, '2024-02-01T16:00:00', N'La Poste', 'TRK1004377522', 4),
    (6, 1005, '2024-02-05T11:45:00', N'Royal Mail', 'TRK1005296282', 6),
    (7, 1006, '2024-02-08T18:00:00', N'Royal Mail', 'TRK1006443156', 6),
    (8, 1007, '2024-02-12T01:30:00', N'DHL Express', 'TRK1007335315', 3),
    (9, 1008, '2024-02-13T16:00:00', N'DHL Express', 'TRK1008664087', 3),
    (10, 1009, '2024-02-19T14:30:00', N'Royal Mail', 'TRK1009696675', 5),
    (11, 1010, '2024-02-28T23:15:00', N'Royal Mail', 'TRK1010653087', 7),
    (12, 1011, '2024-03-07T00:15:00', N'PostNord', NULL, 5),
    (13, 1012, '2024-03-14T12:45:00', N'DHL Express', 'TRK1012381894', 1),
    (14, 1013, '2024-03-13T18:45:00', N'DHL Express', NULL, 2),
    (15, 1014, '2024-03-16T19:30:00', N'Royal Mail', NULL, 4),
    (16, 1015, '2024-03-23T16:00:00', N'UPS', 'TRK1015180065', 4),
    (17, 1016, '2024-03-27T15:00:00', N'UPS', 'TRK1016201906', 4),
    (18, 1017, '2024-04-02T18:30:00', N'La Poste', 'TRK1017661695', 8),
    (19, 1018, '2024-04-13T18:45:00', N'DHL Express', 'TRK1018456533', 4),
    (20, 1019, '2024-04-15T12:45:00', N'PostNord', 'TRK1019640567', 1),
    (21, 1020, '2024-04-19T16:00:00', N'DHL Express', 'TRK1020837158', 5),
    (22, 1021, '2024-04-22T16:00:00', N'PostNord', 'TRK1021741011', 6),
    (23, 1022, '2024-04-30T13:30:00', N'DHL Express', 'TRK1022278626', 3),
    (24, 1023, '2024-05-01T20:45:00', N'DHL Express', 'TRK1023767507', 4),
    (25, 1024, '2024-05-07T23:15:00', N'PostNord', 'TRK1024813700', 1),
    (26, 1025, '2024-05-19T20:00:00', N'La Poste', 'TRK1025516494', 2),
    (27, 1026, '2024-05-22T16:00:00', N'La Poste', 'TRK1026120110', 1),
    (28, 1027, '2024-05-24T16:30:00', N'DHL Express', 'TRK1027691199', 2),
    (29, 1028, '2024-05-28T17:15:00', N'La Poste', 'TRK1028186119', 7),
    (30, 1029, '2024-06-03T19:45:00', N'UPS', 'TRK1029977916', 4),
    (31, 1030, '2024-06-12T19:15:00', N'DHL Express', 'TRK1030117173', 3),
    (32, 1031, '2024-06-12T18:30:00', N'PostNord', 'TRK1031319392', 6),
    (33, 1032, '2024-06-15T22:15:00', N'PostNord', 'TRK1032149669', 5),
    (34, 1033, '2024-06-18T18:30:00', N'FedEx', 'TRK1033690637', 3),
    (35, 1034, '2024-06-28T18:45:00', N'FedEx', 'TRK1034827648', 7),
    (36, 1035, '2024-07-03T16:15:00', N'FedEx', 'TRK1035738533', 1),
    (37, 1036, '2024-07-06T22:15:00', N'FedEx', 'TRK1036398508', 7),
    (38, 1037, '2024-07-16T17:45:00', N'DHL Express', NULL, 5),
    (39, 1038, '2024-07-20T20:30:00', N'La Poste', 'TRK1038590965', 1),
    (40, 1039, '2024-07-18T16:15:00', N'FedEx', 'TRK1039113228', 8),
    (41, 1040, '2024-08-01T17:00:00', N'PostNord', 'TRK1040922964', 2),
    (42, 1041, '2024-07-30T16:00:00', N'La Poste', 'TRK1041583775', 2),
    (43, 1042, '2024-08-10T20:30:00', N'PostNord', 'TRK1042770628', 3),
    (44, 1043, '2024-08-11T12:30:00', N'DHL Express', 'TRK1043335442', 6),
    (45, 1044, '2024-08-18T18:30:00', N'UPS', 'TRK1044452408', 2),
    (46, 1045, '2024-08-26T21:30:00', N'DHL Express', 'TRK1045696824', 1),
    (47, 1046, '2024-08-25T16:00:00', N'PostNord', 'TRK1046628768', 2),
    (48, 1047, '2024-08-31T01:00:00', N'FedEx', 'TRK1047152565', 6),
    (49, 1049, NULL, N'UPS', NULL, 4),
    (50, 1050, NULL, N'DHL Express', NULL, 3),
    (51, 1051, NULL, N'FedEx', NULL, 8),
    (52, 1053, NULL, N'La Poste', NULL, 5);
SET IDENTITY_INSERT dbo.Shipments OFF;
GO
