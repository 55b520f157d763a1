from django.db import migrations


def forwards(apps, schema_editor):
    from core.accounts.roles import sync_role_groups

    sync_role_groups(apps)
    # Trainer accounts made before this app existed get an empty profile.
    User = apps.get_model("accounts", "User")
    Trainer = apps.get_model("staff", "Trainer")
    have = set(Trainer.objects.values_list("user_id", flat=True))
    Trainer.objects.bulk_create(
        Trainer(user_id=pk) for pk in User.objects.filter(role="TRAINER").values_list("pk", flat=True) if pk not in have
    )


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_initial"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
