"""Entry point for gunicorn (`gunicorn -k gevent -w 1 wsgi:app`); one gevent worker per process."""

from gevent import monkey

monkey.patch_all()

from server import create_app  # noqa: E402

app = create_app()
