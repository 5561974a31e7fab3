{"name": "Missing dependency", "version": "1.0.0", "depends": ["kt_alpha", "kt_does_not_exist"]}
