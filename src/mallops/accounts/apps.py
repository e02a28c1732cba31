from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mallops.accounts"
    label = "accounts"

    def ready(self) -> None:
        from mallops.accounts.auth import idempotency_principal
        from mallops.accounts.selectors import user_role_codes
        from mallops.audit.services import register_role_reader
        from mallops.core import idempotency

        # each audit event stores the actor's roles at the time (audit imports no accounts)
        register_role_reader(user_role_codes)

        # idempotency keys are scoped per user; token issuance is never stored (the answer is a secret)
        idempotency.set_principal_resolver(idempotency_principal)
        idempotency.never_store("api-v1:token_create")
