from django.urls import path

from tandem.agreement import views

app_name = "agreement"
urlpatterns = [
    path("", views.agreement_page, name="index"),
    path("new", views.create_version, name="version-create"),
    path("v/<int:number>/", views.version_page, name="version-detail"),
    path("v/<int:number>/edit", views.edit_version, name="version-edit"),
    path("v/<int:number>/propose", views.propose_version, name="version-propose"),
    path("v/<int:number>/withdraw", views.withdraw_version, name="version-withdraw"),
    path("v/<int:number>/sign", views.sign_version, name="version-sign"),
    path("v/<int:number>/whatif", views.version_what_if, name="version-whatif"),
    path("compare/", views.compare_page, name="compare"),
]
