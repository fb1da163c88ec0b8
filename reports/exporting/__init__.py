"""Annual summary exports: the XLSX ledger (and, later, the DOCX draft). Libraries of their
own: they take rows and figures prepared by ``reports.selectors`` and write a file, with no
HTTP and no permission logic."""
