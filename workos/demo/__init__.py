"""Demo content for `make demo`: a workspace with spaces and pages, made through the modules' own services
(so it is permission-checked and audited like anything a user makes). Loaded once; a second run finds the
workspace and leaves everything as it is."""
