#!/usr/bin/env python3
"""Prints the bytes TensorBoard's own writer produces for two events, as hex, for DispoPlotsTests'
TensorBoardTests (the expected bytes there come from this script):

  1. Event{wall_time: 1.5, file_version: "brain.Event:2"}
  2. Event{wall_time: 1700000000.25, step: 300, summary{value{tag: "acc/mean", simple_value: 0.375},
                                                        value{tag: "dispo/clip_share_neg_low", simple_value: -2.5}}}

each serialised by tensorboard's protobuf classes and framed by its RecordWriter (length, masked CRC-32C of
the length, data, masked CRC-32C of the data).

Usage: python -m venv .venv && .venv/bin/pip install tensorboard && .venv/bin/python Tools/make_tensorboard_fixture.py
"""
import io

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter


def framed(event):
    buffer = io.BytesIO()
    RecordWriter(buffer).write(event.SerializeToString())
    return buffer.getvalue()


first = event_pb2.Event(wall_time=1.5, file_version="brain.Event:2")
second = event_pb2.Event(wall_time=1700000000.25, step=300, summary=summary_pb2.Summary(value=[
    summary_pb2.Summary.Value(tag="acc/mean", simple_value=0.375),
    summary_pb2.Summary.Value(tag="dispo/clip_share_neg_low", simple_value=-2.5),
]))
for event in (first, second):
    print(framed(event).hex())
