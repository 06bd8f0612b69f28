"""Interventions: listed and read as the pages show them (`selectors.visible_interventions`: a
technician sees their jobs only, another's is a 404), created by the intake service, their
report texts saved as the tablet's autosave does, assigned as the dispatch page does, their
signed PDF served from storage and checked as the verify page checks it."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from .. import selectors, services
from ..verification import versions_check
from . import filters, permissions, serializers
from .base import ID, ApiLanguageMixin, errors

# The `page` of a text change in the history: the API's saves are one editing session.
API_PAGE = "api"


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the view answers with the stored file
    itself, and an error in JSON (`InterventionViewSet.finalize_response`)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def _json(codes: dict) -> dict:
    return {(code, "application/json"): response for code, response in codes.items()}


@extend_schema_view(
    list=extend_schema(
        summary="List the interventions this user sees",
        description="A technician: the jobs assigned to them or worked on before a handover.",
        responses={200: serializers.InterventionSerializer, **errors(400, 404)},
    ),
    retrieve=extend_schema(
        summary="Read an intervention",
        responses={200: serializers.InterventionSerializer, **errors(404)},
    ),
    create=extend_schema(
        summary="Take a call (the intake page): a numbered intervention",
        description="Dispatcher or manager. The intake page's checks and French messages.",
        request=serializers.IntakeSerializer,
        responses={201: serializers.InterventionSerializer, **errors(body=True)},
    ),
)
class InterventionViewSet(
    ApiLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.InterventionSerializer
    filterset_class = filters.InterventionFilter
    permission_classes = [permissions.INTERVENTIONS]
    lookup_value_regex = ID

    def get_queryset(self):
        return selectors.visible_interventions(self.request.user).order_by("-requested_at", "-pk")

    def create(self, request, *args, **kwargs):
        form = serializers.IntakeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        intervention = services.intervention_create_from_intake(data, actor=request.user)
        intervention = selectors.get_intervention_for(request.user, intervention.pk)
        return Response(
            serializers.InterventionSerializer(intervention).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Save the report's texts (the tablet's autosave)",
        description=(
            "The technician assigned to the job. Only the texts sent change; `version` is the "
            "`texts_version` read: a stale one is a 409 with the other person's texts. "
            "Refused with a 423 once the report is sent to signature, signed or billed."
        ),
        request=serializers.ReportTextsSerializer,
        responses={200: serializers.InterventionSerializer, **errors(404, 409, 423, body=True)},
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path="report",
        permission_classes=[permissions.TECHNICIAN],
    )
    def report(self, request, pk=None):
        intervention = selectors.get_assigned_intervention(request.user, pk)
        form = serializers.ReportTextsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        texts = {name: data[name] for name in services.REPORT_FIELDS if name in data["_present"]}
        services.report_update(
            intervention=intervention,
            actor=request.user,
            version=data["version"],
            page=API_PAGE,
            **texts,
        )
        return Response(self._read(request, pk))

    @extend_schema(
        summary="Assign the job to a technician, with an optional slot (the dispatch page)",
        description=(
            "Dispatcher or manager. `version` is the `assignment_version` read: a stale one "
            "is a 409 with who has the job now. Refused with a 423 once the job is closed."
        ),
        request=serializers.AssignmentSerializer,
        responses={200: serializers.InterventionSerializer, **errors(404, 409, 423, body=True)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="assignment",
        permission_classes=[permissions.OFFICE],
    )
    def assignment(self, request, pk=None):
        intervention = selectors.get_intervention_for(request.user, pk)
        form = serializers.AssignmentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.intervention_assign(
            intervention=intervention,
            technician=data["technician"],
            scheduled_start=data["scheduled_start"],
            scheduled_end=data["scheduled_end"],
            actor=request.user,
            version=data["version"],
        )
        return Response(self._read(request, pk))

    @extend_schema(
        summary="The signed report's PDF, byte for byte as stored",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **_json(errors(404, 406)),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="pdf",
        permission_classes=[permissions.EVERY_ROLE],
        renderer_classes=[JSONRenderer, PDFRenderer],
    )
    def report_pdf(self, request, pk=None):
        intervention = selectors.get_intervention_for(request.user, pk)
        report = selectors.get_signed_version(intervention, 1)
        return FileResponse(
            report.pdf.open("rb"),
            content_type="application/pdf",
            filename=f"rapport-{intervention.number}.pdf",
        )

    @extend_schema(
        summary="Is the signed report still what was signed? (the verify page's check)",
        responses={200: serializers.VerificationSerializer, **errors(404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="verification",
        permission_classes=[permissions.EVERY_ROLE],
    )
    def verification(self, request, pk=None):
        intervention = selectors.get_intervention_for(request.user, pk)
        original = selectors.get_signed_version(intervention, 1)
        signed = selectors.report_versions(intervention, original=original)
        versions = [
            {
                "version": version.version,
                "signed_at": version.signed_at,
                "sha256": version.sha256,
                "content_sha256": version.content_sha256,
                "intact": check.intact,
                "file_intact": check.file_intact,
                "content_intact": check.content_intact,
                "figures_intact": check.figures_intact,
                "billing_intact": check.billing_intact,
                "problems": [str(problem) for problem in check.problems],
            }
            for version, check in zip(signed, versions_check(signed), strict=True)
        ]
        body = {
            "number": intervention.number,
            "all_intact": all(v["intact"] for v in versions),
            "versions": versions,
        }
        return Response(serializers.VerificationSerializer(body).data)

    def _read(self, request, pk) -> dict:
        intervention = selectors.get_intervention_for(request.user, pk)
        return serializers.InterventionSerializer(intervention).data

    def finalize_response(self, request, response, *args, **kwargs):
        # An error of the PDF route is JSON, whatever the client accepted.
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), PDFRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
