"""Reading user files: which file (or sheet) is which table, encodings and CSV dialects,
workbooks, and the typed table every check and the build use. The one path from a
user's file to a table."""
