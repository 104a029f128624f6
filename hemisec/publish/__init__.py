"""What hemisec writes for people: validation reports, the build's exports (CSV, XLSX,
SDMX-CSV, their Data Package), the offline report site, the README's generated sections,
the Excel template."""
