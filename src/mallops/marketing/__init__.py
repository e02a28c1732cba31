"""Marketing: channels with daily spend, UTM attribution of orders, CAC/ROI and budget suggestions."""
