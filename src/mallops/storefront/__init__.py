"""The buyer storefront: server-rendered shop pages (phone first, desktop too) over the other apps'
selectors and services (docs/storefront.md)."""
