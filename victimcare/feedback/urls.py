"""Feedback pages: the public rating page (/f/<token>/), officers' QR cards, and the
staff pages (own feedback, scores, recognition, review). Paths hold numeric ids,
tokens and fixed words only."""

from django.urls import path

from . import views, views_cards, views_review, views_rights, views_scores

app_name = "feedback"

urlpatterns = [
    path("your-rights/", views.rights, name="rights"),
    # --- the rights in other formats (public), the force's QR leaflet (staff) ---
    path("your-rights/leaflet.pdf", views_rights.leaflet, name="rights-leaflet"),
    path("your-rights/large-print/", views_rights.large_print, name="rights-large-print"),
    path(
        "your-rights/large-print/leaflet.pdf",
        views_rights.large_print_leaflet,
        name="rights-large-print-leaflet",
    ),
    path("your-rights/easy-read/", views_rights.easy_read_page, name="rights-easy-read"),
    path("feedback/leaflets/", views_rights.force_leaflets, name="force-leaflets"),
    path(
        "feedback/leaflets/<int:force_id>/leaflet.pdf",
        views_rights.force_leaflet_pdf_view,
        name="force-leaflet-pdf",
    ),
    path("f/<str:token>/", views.feedback, name="respond"),
    path("feedback/qr/<int:event_id>/", views.qr, name="qr"),
    path("feedback/qr/<int:event_id>/card/", views.qr_card, name="qr-card"),
    # --- personal cards ---
    path("f/c/<str:code>/", views_cards.card_scan_view, name="card-scan"),
    path("feedback/card/", views_cards.personal_card, name="my-card"),
    path("feedback/card/print/", views_cards.personal_card_print, name="my-card-print"),
    path("feedback/card/new/", views_cards.personal_card_new, name="my-card-new"),
    # --- scores, recognition, own feedback ---
    path("feedback/mine/", views_scores.mine, name="mine"),
    path("feedback/scores/", views_scores.scores, name="scores"),
    path("feedback/recognition/", views_scores.recognition, name="recognition"),
    path("feedback/recognition/<int:officer_id>/commend/", views_scores.commend, name="commend"),
    # --- review lists, urgent queue ---
    path("feedback/urgent/", views_review.urgent_queue, name="urgent"),
    path("feedback/review/", views_review.review_list, name="review-list"),
    path("feedback/review/<int:review_id>/", views_review.review_item, name="review-item"),
]
