"""Importing registry data from .xlsx and .csv: reading, column mapping, row checks, writing.

``reader`` turns a file into rows, ``kinds`` says which columns each kind of import has and guesses
the mapping from Chinese headers, ``rows`` checks one row at a time, ``engine`` runs a whole file
(dry run or commit) for the command and the web page alike, and ``..import_writer`` writes.
"""
