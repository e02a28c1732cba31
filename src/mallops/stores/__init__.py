"""Store texts buyers read besides listings: the store announcement (店铺公告) and the content check of store
names (R1.4.1). Both pass the compliance engine before they go live."""
