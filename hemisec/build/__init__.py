"""The build: DDL generated from the Table Schemas, the SQL transforms, the atomic write."""
