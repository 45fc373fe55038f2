from django.shortcuts import render


def not_found(request, exception=None):
    return render(request, "errors/404.jinja", status=404)


def forbidden(request, exception=None):
    return render(request, "errors/403.jinja", status=403)


def server_error(request):
    return render(request, "errors/500.jinja", status=500)
