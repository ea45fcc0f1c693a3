/*
    TrapDW: schemas (dbo exists; etl holds the loaded tables).
    Written for this project: a SQL Server 2019 estate whose views and procedures exercise the
    places where T-SQL and PostgreSQL disagree. Expected rows are in expected/.
*/
USE [TrapDW]
GO

CREATE SCHEMA [etl] AUTHORIZATION [dbo]
GO
