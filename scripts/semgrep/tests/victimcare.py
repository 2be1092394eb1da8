# Examples for scripts/semgrep/victimcare.yml (semgrep --test). Not imported.
# ruff: noqa
import logging
import os
import pickle
import subprocess
import urllib.request

import httpx
import requests
import structlog
import yaml
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from markupsafe import Markup

log = structlog.get_logger(__name__)
logger = logging.getLogger(__name__)


def html(user_text, svg):
    # ruleid: vc-mark-safe-non-literal
    a = mark_safe(user_text)
    # ruleid: vc-mark-safe-non-literal
    b = Markup(svg)
    # ok: vc-mark-safe-non-literal
    c = mark_safe("<br>")
    # ok: vc-mark-safe-non-literal
    d = format_html("<b>{}</b>", user_text)
    return a, b, c, d


def sql(Crime, table, crn, qs):
    # ruleid: vc-raw-sql-string-building
    Crime.objects.raw(f"SELECT * FROM cases_crime WHERE crn = '{crn}'")
    # ruleid: vc-raw-sql-string-building
    qs.extra(where=["crn = '%s'" % crn])
    with connection.cursor() as cursor:
        # ruleid: vc-raw-sql-string-building
        cursor.execute(f"DELETE FROM {table}")
        # ruleid: vc-raw-sql-string-building
        cursor.execute("SELECT * FROM x WHERE crn = '%s'" % crn)
        # ruleid: vc-raw-sql-string-building
        cursor.execute("SELECT * FROM {}".format(table))
        # ok: vc-raw-sql-string-building
        cursor.execute("SELECT * FROM cases_crime WHERE crn = %s", [crn])
    # ruleid: vc-raw-sql-string-building
    RawSQL(f"SELECT id FROM {table}", [])
    # ok: vc-raw-sql-string-building
    Crime.objects.raw("SELECT * FROM cases_crime WHERE crn = %s", [crn])


# ruleid: vc-csrf-exempt-outside-allow-list
@csrf_exempt
def form_view(request):
    return None


# ok: vc-csrf-exempt-outside-allow-list
def protected_view(request):
    return None


def logging_calls(victim, message):
    # ruleid: vc-personal-data-in-logs
    log.info("victim.updated", phone=victim.phone)
    # ruleid: vc-personal-data-in-logs
    logger.warning("sending to %s", message.recipient)
    # ruleid: vc-personal-data-in-logs
    log.error("message.failed", body=message.body)
    # ruleid: vc-personal-data-in-logs
    logger.info(f"found {victim.full_name}")
    # ok: vc-personal-data-in-logs
    log.info("victim.updated", victim=victim.pk)
    # ok: vc-personal-data-in-logs
    log.info("feedback.urgent_overdue_notified", emails=3)
    # ok: vc-personal-data-in-logs
    logger.info("message %s sent", message.pk)


def http(url):
    # ruleid: vc-http-call-without-timeout
    requests.get(url)
    # ruleid: vc-http-call-without-timeout
    requests.post(url, json={}, timeout=None)
    # ruleid: vc-http-call-without-timeout
    httpx.get(url, timeout=None)
    # ruleid: vc-http-call-without-timeout
    urllib.request.urlopen(url)
    # ok: vc-http-call-without-timeout
    requests.post(url, json={}, timeout=5)
    # ok: vc-http-call-without-timeout
    httpx.get(url)
    # ok: vc-http-call-without-timeout
    urllib.request.urlopen(url, timeout=5)


def tls(url):
    # ruleid: vc-tls-verify-disabled
    requests.get(url, timeout=5, verify=False)
    # ok: vc-tls-verify-disabled
    requests.get(url, timeout=5, verify=True)


def load(data, path):
    # ruleid: vc-unsafe-deserialisation
    pickle.loads(data)
    # ruleid: vc-unsafe-deserialisation
    yaml.load(data)
    # ok: vc-unsafe-deserialisation
    yaml.load(data, Loader=yaml.SafeLoader)
    # ok: vc-unsafe-deserialisation
    yaml.safe_load(data)


# ruleid: vc-debug-true
DEBUG = True
# ok: vc-debug-true
DEBUG = False


def run(name):
    # ruleid: vc-subprocess-shell
    subprocess.run(f"fc-list {name}", shell=True)
    # ruleid: vc-subprocess-shell
    os.system("ls")
    # ok: vc-subprocess-shell
    subprocess.run(["fc-list", name], check=False)
