"""A tiny service used to test the shared plumbing through the real code paths."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.common.errors import NotFound
from services.common.service import ServiceDefinition, get_store
from services.common.web import current_principal

blp = Blueprint("schools", __name__, url_prefix="/schools")


class SchoolIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    time_zone = fields.String(required=True)
    capacity = fields.Integer(load_default=0)


class SchoolOut(Schema):
    id = fields.String()
    name = fields.String()
    time_zone = fields.String()
    capacity = fields.Integer()


@blp.route("")
class Schools(MethodView):
    @blp.arguments(SchoolIn)
    @blp.response(201, SchoolOut)
    def post(self, body):
        store = get_store()
        principal = current_principal()

        def work(uow):
            n = uow.db["schools"].count_documents({}, session=uow.session)
            doc = {"_id": f"s-{n + 1}", **body, "district_id": principal.district_id}
            uow.db["schools"].insert_one(doc, session=uow.session)
            uow.emit("SchoolUpdated", {"school_id": doc["_id"], "name": body["name"], "time_zone": body["time_zone"],
                                       "languages": ["en"], "active": True}, subject=doc["_id"])
            return doc

        doc = store.atomic(work, district_id=principal.district_id)
        return {"id": doc["_id"], **body}


@blp.route("/<school_id>")
class School(MethodView):
    @blp.response(200, SchoolOut)
    def get(self, school_id):
        doc = get_store().db["schools"].find_one({"_id": school_id})
        if not doc:
            raise NotFound(f"No school {school_id}.")
        return {"id": doc["_id"], **doc}


def definition(handlers=None) -> ServiceDefinition:
    return ServiceDefinition(name="probe", blueprints=lambda: [blp], handlers=lambda: handlers or {})
