#!/usr/bin/env bash
# Regenerates the sample media with flite (voice slt) and ffmpeg; the texts
# beside them are what was spoken, so a transcript can be checked by eye.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
flite -voice slt -f weather-report.txt -o "$tmp/weather.wav"
ffmpeg -nostdin -v error -y -i "$tmp/weather.wav" -ac 1 -ar 16000 -c:a libmp3lame -b:a 32k weather-report.mp3
flite -voice slt -f library-notice.txt -o "$tmp/library.wav"
ffmpeg -nostdin -v error -y -f lavfi -i color=c=navy:s=320x180:r=5 -i "$tmp/library.wav" \
  -shortest -c:v libx264 -preset veryfast -crf 35 -pix_fmt yuv420p -c:a aac -b:a 48k library-notice.mp4
