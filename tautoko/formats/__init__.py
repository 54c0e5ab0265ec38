"""Number and date formats for the languages Django ships none for (FORMAT_MODULE_PATH)."""
