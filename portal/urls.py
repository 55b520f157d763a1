from django.urls import path

from portal import billing, classes, members, support, views
from portal.trainer_urls import trainer_patterns

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("member/", views.member_home, name="member_home"),
    # The trainer's portal and the member's programs (portal/trainer_urls.py).
    *trainer_patterns,
    path("members/<str:code>/photo/", members.member_photo, name="member_photo"),
    # Billing: my invoices, receipts and paying with bKash (portal/billing.py).
    path("invoices/", billing.invoice_list, name="invoices"),
    path("invoices/<str:number>/", billing.invoice_detail, name="invoice_detail"),
    path("invoices/<str:number>/pdf/", billing.invoice_pdf, name="invoice_pdf"),
    path("invoices/<str:number>/pay/", billing.invoice_pay, name="invoice_pay"),
    path("receipts/<str:receipt_number>/pdf/", billing.receipt_pdf, name="receipt_pdf"),
    path("renew/", billing.renew, name="renew"),
    path("class-packs/", billing.class_pack_list, name="class_packs"),
    path("class-packs/<int:pk>/buy/", billing.class_pack_buy, name="class_pack_buy"),
    # Classes: the week's timetable, booking, cancelling and my bookings (portal/classes.py).
    path("classes/", classes.schedule, name="classes"),
    path("classes/<int:pk>/", classes.session_detail, name="class_session"),
    path("classes/<int:pk>/book/", classes.session_book, name="class_book"),
    path("bookings/", classes.my_bookings, name="bookings"),
    path("bookings/<int:pk>/cancel/", classes.booking_cancel_view, name="booking_cancel"),
    # Support tickets: a member's own tickets only (portal/support.py).
    path("support/", support.ticket_list, name="support"),
    path("support/new/", support.ticket_new, name="support_new"),
    path("support/<int:pk>/", support.ticket_detail, name="support_ticket"),
    path("support/<int:pk>/reply/", support.ticket_reply_view, name="support_reply"),
    path("support/<int:pk>/close/", support.ticket_close_view, name="support_close"),
    path("support/images/<int:pk>/", support.ticket_attachment, name="support_attachment"),
]
