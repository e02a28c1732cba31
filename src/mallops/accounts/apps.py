from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mallops.accounts"
    label = "accounts"

    def ready(self) -> None:
        from mallops.accounts.auth import idempotency_principal
        from mallops.core import idempotency

        # idempotency keys are scoped per user; token issuance is never stored (the answer is a secret)
        idempotency.set_principal_resolver(idempotency_principal)
        idempotency.never_store("api-v1:token_create")
