"""workbench: evaluate text-classification methods. The engine; no UI code here."""

__version__ = "0.1.0"
