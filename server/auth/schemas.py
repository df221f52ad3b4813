from marshmallow import Schema, fields, validate


class DeviceIn(Schema):
    platform = fields.String(validate=validate.Length(max=64), load_default=None)
    locale = fields.String(validate=validate.Length(max=16), load_default=None)


class DeviceOut(Schema):
    device_id = fields.String()
    token = fields.String()


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String(allow_none=True)
    role = fields.String()
    station_id = fields.Integer(allow_none=True)
    agency_id = fields.Integer(allow_none=True)
    display_name = fields.String(allow_none=True)
    locale = fields.String()


class LoginOut(Schema):
    token = fields.String()
    user = fields.Nested(UserOut)
