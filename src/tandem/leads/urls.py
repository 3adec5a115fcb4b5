app_name = "leads"
urlpatterns: list[object] = []
