import uuid

import sqlalchemy as sa
from flask import current_app, g, request
from flask_smorest import Blueprint

from server.auth.access import auth_required, blocked_error, blocked_reason
from server.auth.models import Device, User
from server.auth.schemas import DeviceIn, DeviceOut, LoginIn, LoginOut, UserOut
from server.auth.tokens import check_password, issue_token
from server.errors import ApiError
from server.extensions import db, limiter

bp = Blueprint("auth", __name__, description="Identity: anonymous devices, staff login")


def _device_limit() -> str:
    return current_app.config["DEVICE_RATE_LIMIT"]


@bp.post("/devices")
@limiter.limit(_device_limit)
@bp.arguments(DeviceIn)
@bp.response(201, DeviceOut)
def register_device(data):
    """Create an anonymous citizen identity; no login wall before the first report."""
    user = User(role="citizen", locale=data.get("locale") or "zh-CN")
    db.session.add(user)
    db.session.flush()
    device = Device(id=str(uuid.uuid4()), user_id=user.id, platform=data.get("platform"), locale=data.get("locale"))
    db.session.add(device)
    token = issue_token(user)
    db.session.commit()
    return {"device_id": device.id, "token": token}


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_key() -> str:
    body = request.get_json(silent=True) or {}
    return f"{request.remote_addr}|{str(body.get('username', ''))[:80].lower()}"


@bp.post("/auth/login")
@limiter.limit(_login_limit, key_func=_login_key, deduct_when=lambda response: response.status_code == 401)
@bp.arguments(LoginIn)
@bp.response(200, LoginOut)
def login(data):
    """Staff, assistants and agency users log in with a password; failed attempts are rate-limited."""
    user = db.session.scalar(sa.select(User).where(User.username == data["username"]))
    if not check_password(user, data["password"]) or not user.active:
        raise ApiError(401, "用户名或密码错误 / Wrong username or password", "bad_credentials")
    reason = blocked_reason(user)
    if reason:
        raise blocked_error(reason)
    token = issue_token(user)
    db.session.commit()
    return {"token": token, "user": user}


@bp.get("/me")
@auth_required()
@bp.response(200, UserOut)
def me():
    return g.user


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
