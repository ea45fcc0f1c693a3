/*
    SalesDW: schemas.
    dbo holds the operational (order entry) tables; dw holds the reporting
    warehouse that the nightly ETL procedures fill.
*/
USE [SalesDW]
GO

CREATE SCHEMA [dw] AUTHORIZATION [dbo]
GO
