"""Media uploads: store a file in the local media store, get the ref to put on content."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from nigran.detect.media.refs import save_upload
from nigran.model import MediaKind, MediaRef

router = APIRouter(prefix="/v1", tags=["media"])


@router.post("/media", response_model=MediaRef, summary="Upload an image or video")
async def upload_media(
    file: Annotated[UploadFile, File(description="The image or video file")],
    kind: Annotated[MediaKind, Form(description="image or video")],
) -> MediaRef:
    """Checked before anything is written (an empty file, a non-image, a video with no
    decodable frame is refused with 422 ``invalid_media``), then kept under its SHA-256. Put the
    returned object in ``Content.media`` when you post the content."""
    data = await file.read()
    return await run_in_threadpool(save_upload, data, kind=kind, filename=file.filename or "upload")
