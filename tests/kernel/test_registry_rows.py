from workos.kernel.models import Menu, Model, Module, ModuleState


def test_test_database_has_every_module_registered(db):
    assert Module.objects.filter(state=ModuleState.INSTALLED, name__startswith="ipai_").count() == 14
    assert Model.objects.filter(model="ipai.workos.page", table_name="ipai_workos_page").exists()
    assert Menu.objects.filter(name="WorkOS", parent=None).exists()


def test_the_test_database_is_the_one_this_pass_is_for(db, database_kind):
    from django.db import connection

    assert connection.vendor == database_kind
