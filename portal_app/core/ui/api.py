"""URLs of the portal's own HTTP routes (downloads, images), which live on the backend's origin."""

import reflex as rx
from reflex.vars.base import Var, VarData
from reflex_base.utils.imports import ImportVar

API_ORIGIN = Var(
    _js_expr="getBackendURL(env.UPLOAD).origin",
    _var_data=VarData(imports={"$/utils/state": "getBackendURL", "$/env.json": ImportVar(tag="env", is_default=True)}),
).to(str)


def api_url(path: str | rx.Var) -> rx.Var:
    return API_ORIGIN + path
