{"name": "Kernel test alpha", "version": "1.0.0", "summary": "A module the kernel tests install", "depends": [], "data": ["data/menus.toml"]}
