"""Import and export of people: CSV/XLSX uploads run as background jobs, CSV/XLSX/vCard downloads."""
