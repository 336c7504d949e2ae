"""The terminal UI of workbench (Textual). Every screen works through the engine's functions in
``workbench``; nothing here computes a result itself. Entry point: :func:`screens.app.run`."""
