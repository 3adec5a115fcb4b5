"""Importers that bring outside data sets into leads, companies, deals and campaigns."""
