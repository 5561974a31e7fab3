"""The module system: manifests, the addons path, the dependency graph, the installer and the registry tables."""
