"""The bottom layer: domain-free machinery that both apps (and ``reports/importing/``) use.

Nothing here imports ``tracker`` or ``reports``; it knows no ledger, only files and bytes.
"""
