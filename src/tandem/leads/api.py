from ninja import Router

leads_router = Router(tags=["leads"])
companies_router = Router(tags=["companies"])
deals_router = Router(tags=["deals"])
