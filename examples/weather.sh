#!/bin/sh
# A bound tool for examples/weather-agent.tsh: reads the call's arguments JSON on stdin
# (e.g. {"city": "Paris"}) and prints the result JSON on stdout. A fixed table stands in
# for a weather service so the example runs offline.
args=$(cat)
city=$(printf '%s' "$args" | sed -n 's/.*"city"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
if [ -z "$city" ]; then
  echo "expected {\"city\": \"NAME\"}, got: $args" >&2
  exit 2
fi
case "$city" in
  Paris*|paris*) temp=18; sky="light rain" ;;
  Tokyo*|tokyo*) temp=24; sky="sunny" ;;
  *) temp=15; sky="cloudy" ;;
esac
printf '{"city": "%s", "temperature_c": %s, "conditions": "%s"}\n' "$city" "$temp" "$sky"
