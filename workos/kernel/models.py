"""The registry tables, named as in Odoo so that an operator's SQL checks and runbooks work unchanged."""

from django.db import models


class ModuleState(models.TextChoices):
    UNINSTALLED = "uninstalled", "Not installed"
    TO_INSTALL = "to install", "To be installed"
    INSTALLED = "installed", "Installed"
    TO_UPGRADE = "to upgrade", "To be upgraded"
    TO_REMOVE = "to remove", "To be removed"
    UNINSTALLABLE = "uninstallable", "Not installable"


class Module(models.Model):
    """One row per module found on the addons path (or once installed). ``latest_version`` is the installed one."""

    name = models.CharField(max_length=128, unique=True)
    state = models.CharField(max_length=16, choices=ModuleState.choices, default=ModuleState.UNINSTALLED)
    latest_version = models.CharField(max_length=32, blank=True, null=True)
    shortdesc = models.CharField(max_length=256, blank=True, default="")
    summary = models.CharField(max_length=512, blank=True, default="")
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=128, blank=True, default="")
    author = models.CharField(max_length=256, blank=True, default="")
    website = models.CharField(max_length=256, blank=True, default="")
    license = models.CharField(max_length=64, blank=True, default="")
    application = models.BooleanField(default=False)
    auto_install = models.BooleanField(default=False)
    demo = models.BooleanField(default=False)
    checksum = models.CharField(max_length=64, blank=True, default="")
    path = models.CharField(max_length=1024, blank=True, default="")
    create_date = models.DateTimeField(auto_now_add=True)
    write_date = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ir_module_module"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ModuleDependency(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="dependencies")
    name = models.CharField(max_length=128)

    class Meta:
        db_table = "ir_module_module_dependency"
        ordering = ["module_id", "name"]
        constraints = [models.UniqueConstraint(fields=["module", "name"], name="ir_module_dependency_unique")]


class Model(models.Model):
    """A registered model: ``model`` is the dotted technical name (``ipai.workos.page``)."""

    model = models.CharField(max_length=128, unique=True)
    name = models.CharField(max_length=256)
    modules = models.CharField(max_length=512, help_text="Comma-separated names of the modules defining it")
    table_name = models.CharField(max_length=128)
    info = models.TextField(blank=True, default="")
    create_date = models.DateTimeField(auto_now_add=True)
    write_date = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ir_model"
        ordering = ["model"]

    def __str__(self):
        return self.model


class ModelField(models.Model):
    ir_model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="fields", db_column="model_id")
    model = models.CharField(max_length=128)
    name = models.CharField(max_length=128)
    field_description = models.CharField(max_length=256)
    ttype = models.CharField(max_length=64)
    relation = models.CharField(max_length=128, blank=True, default="")
    required = models.BooleanField(default=False)
    column_name = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        db_table = "ir_model_fields"
        ordering = ["model", "name"]
        constraints = [models.UniqueConstraint(fields=["model", "name"], name="ir_model_fields_unique")]


class WindowAction(models.Model):
    """What a menu opens: records of ``res_model``; ``path`` is the page that shows them, when a module has one."""

    name = models.CharField(max_length=256)
    res_model = models.CharField(max_length=128)
    view_mode = models.CharField(max_length=128, default="list,form")
    path = models.CharField(max_length=256, blank=True, default="")
    help = models.TextField(blank=True, default="")
    create_date = models.DateTimeField(auto_now_add=True)
    write_date = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ir_act_window"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Menu(models.Model):
    name = models.CharField(max_length=256)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    sequence = models.IntegerField(default=10)
    action = models.ForeignKey(WindowAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="menus")
    web_icon = models.CharField(max_length=128, blank=True, default="")
    # Odoo's menu ``groups``: comma-separated names of MENU_GROUPS (workos.kernel.data); empty: everyone.
    # Only whom the menu is shown to — the page it opens still checks access itself.
    groups = models.CharField(max_length=256, blank=True, default="")
    create_date = models.DateTimeField(auto_now_add=True)
    write_date = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ir_ui_menu"
        ordering = ["sequence", "id"]

    def __str__(self):
        return self.name


class ModelData(models.Model):
    """External identifiers (``module.name``) of records that modules load as data: what a module owns."""

    module = models.CharField(max_length=128)
    name = models.CharField(max_length=128)
    model = models.CharField(max_length=128)
    res_id = models.BigIntegerField()
    create_date = models.DateTimeField(auto_now_add=True)
    write_date = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ir_model_data"
        ordering = ["module", "name"]
        constraints = [models.UniqueConstraint(fields=["module", "name"], name="ir_model_data_unique")]

    @property
    def complete_name(self) -> str:
        return f"{self.module}.{self.name}"
