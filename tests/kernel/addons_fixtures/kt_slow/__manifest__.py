{"name": "Kernel test: slow migration", "version": "1.0.0", "depends": ["kt_alpha"]}
