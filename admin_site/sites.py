from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from unfold.sites import UnfoldAdminSite


class GymAdminSite(UnfoldAdminSite):
    """The GymOS back office. Only active ADMIN and SUPPORT users may enter
    (``User.is_staff`` is derived from the role); logging in and out goes
    through allauth, so rate limits and forced password changes apply here too."""

    site_header = "GymOS"
    site_title = "GymOS admin"
    index_title = "Front desk"
    # The dashboard (admin_site/dashboard.py fills it through UNFOLD["DASHBOARD_CALLBACK"]).
    # Named here because unfold's own admin/index.html comes first in the template search.
    index_template = "admin_site/dashboard/index.html"

    def extra_urls(self) -> list:
        """Pages that are not one model's: reports and the audit log (unfold adds these to get_urls)."""
        from admin_site.audit import audit_urls
        from admin_site.reports import report_urls

        return report_urls(self) + audit_urls(self)

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated and not self.has_permission(request):
            # Logged in, but a member or trainer: this is not their side of GymOS.
            return redirect("portal:home")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")

    def logout(self, request, extra_context=None):
        return redirect("account_logout")

    def password_change(self, request, extra_context=None):
        return redirect("account_change_password")
