{"name": "Kernel test beta", "version": "1.0.0", "depends": ["kt_alpha"]}
