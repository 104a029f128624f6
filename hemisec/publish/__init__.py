"""What hemisec writes for people: validation reports, the README's generated sections,
the Excel template."""
