"""Public reads of the orders app for the buyer storefront (prices and stock every buyer may see)."""
