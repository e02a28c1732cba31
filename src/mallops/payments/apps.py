from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "mallops.payments"
    label = "payments"

    def ready(self) -> None:
        from mallops.orders.detail import register_payment_reads
        from mallops.payments.selectors import checkout_payments, order_refunds

        # the order detail page shows the checkout's payments and the order's refunds (orders imports no payments)
        register_payment_reads(payments=checkout_payments, refunds=order_refunds)
