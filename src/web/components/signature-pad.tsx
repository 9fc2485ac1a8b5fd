import { Box, Button, Group, Stack, Text } from '@mantine/core';
import { type KeyboardEvent, type PointerEvent, useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SignatureStrokes } from '../api/types.ts';

interface Point {
  x: number;
  y: number;
  t: number;
}

/** How far one arrow key press moves the pen (canvas pixels). */
const KEY_STEP = 12;

/**
 * A signature pad: pointer events on a canvas (touch, pen and mouse), strokes
 * recorded as points {x, y, t} in canvas pixels with the milliseconds since the
 * first point. What leaves it is stroke data, never an image: the server draws
 * the picture itself. Keyboard users draw with the arrow keys once the pad has
 * focus (the pen goes down on the first arrow, Enter or Space lifts it).
 */
export function SignaturePad({ onChange, disabled = false, label, autoFocus = false }: { onChange: (value: SignatureStrokes | null) => void; disabled?: boolean; label: string; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const helpId = useId();
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const strokes = useRef<Point[][]>([]);
  const current = useRef<Point[] | null>(null);
  const startedAt = useRef<number | null>(null);
  const keyPen = useRef<{ x: number; y: number; down: boolean } | null>(null);
  const [count, setCount] = useState(0);

  // The canvas takes the width of its container (until something is drawn: then its coordinates stay put).
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const measure = () => {
      if (strokes.current.length > 0) return;
      const width = Math.max(260, Math.min(720, Math.floor(box.clientWidth)));
      const height = Math.max(150, Math.min(280, Math.round(width * 0.45)));
      setSize((s) => (s && s.width === width && s.height === height ? s : { width, height }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, []);

  const redraw = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas || !size) return;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(size.width * ratio)) {
      canvas.width = Math.round(size.width * ratio);
      canvas.height = Math.round(size.height * ratio);
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.width, size.height);
    // Baseline, as on paper.
    ctx.strokeStyle = '#adb5bd';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(16, size.height * 0.75);
    ctx.lineTo(size.width - 16, size.height * 0.75);
    ctx.stroke();
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2.5;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    const all = current.current ? [...strokes.current, current.current] : strokes.current;
    for (const stroke of all) {
      ctx.beginPath();
      stroke.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
      if (stroke.length === 1) ctx.lineTo(stroke[0]!.x + 0.1, stroke[0]!.y);
      ctx.stroke();
    }
    const pen = keyPen.current;
    if (pen) {
      ctx.strokeStyle = '#1864ab';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(pen.x, pen.y, 6, 0, Math.PI * 2);
      ctx.stroke();
    }
  }, [size]);

  useEffect(redraw, [redraw, count]);

  // Where the pad is what comes next (the kiosk, once a name is picked), the keyboard lands on it.
  const hasCanvas = size !== null;
  useEffect(() => {
    if (autoFocus && hasCanvas && !disabled) canvasRef.current?.focus();
  }, [autoFocus, hasCanvas, disabled]);

  const emit = useCallback(() => {
    setCount(strokes.current.length);
    if (!size || strokes.current.length === 0) onChange(null);
    else onChange({ width: size.width, height: size.height, strokes: strokes.current.map((points) => ({ points })) });
  }, [onChange, size]);

  function pointAt(clientX: number, clientY: number): Point {
    const rect = canvasRef.current!.getBoundingClientRect();
    const now = performance.now();
    startedAt.current ??= now;
    const w = size!.width;
    const h = size!.height;
    return {
      x: Math.round(Math.min(w, Math.max(0, ((clientX - rect.left) / rect.width) * w)) * 10) / 10,
      y: Math.round(Math.min(h, Math.max(0, ((clientY - rect.top) / rect.height) * h)) * 10) / 10,
      t: Math.round(now - startedAt.current),
    };
  }

  function onPointerDown(e: PointerEvent<HTMLCanvasElement>) {
    if (disabled || !size || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    keyPen.current = null;
    current.current = [pointAt(e.clientX, e.clientY)];
    redraw();
  }
  function onPointerMove(e: PointerEvent<HTMLCanvasElement>) {
    if (!current.current) return;
    e.preventDefault();
    const events = typeof e.nativeEvent.getCoalescedEvents === 'function' ? e.nativeEvent.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e.nativeEvent]) current.current.push(pointAt(ev.clientX, ev.clientY));
    redraw();
  }
  function onPointerUp() {
    if (!current.current) return;
    strokes.current = [...strokes.current, current.current];
    current.current = null;
    emit();
  }

  function onKeyDown(e: KeyboardEvent<HTMLCanvasElement>) {
    if (disabled || !size) return;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      const pen = (keyPen.current ??= { x: size.width * 0.2, y: size.height * 0.6, down: false });
      if (!pen.down) {
        pen.down = true;
        current.current = [pointAt(0, 0)];
        current.current[0] = { ...current.current[0]!, x: pen.x, y: pen.y };
      }
      pen.x = Math.min(size.width, Math.max(0, pen.x + move[0] * KEY_STEP));
      pen.y = Math.min(size.height, Math.max(0, pen.y + move[1] * KEY_STEP));
      const p = pointAt(0, 0);
      current.current!.push({ x: pen.x, y: pen.y, t: p.t });
      redraw();
    } else if ((e.key === 'Enter' || e.key === ' ') && keyPen.current?.down) {
      e.preventDefault();
      keyPen.current.down = false;
      onPointerUp();
    }
  }

  function clear() {
    strokes.current = [];
    current.current = null;
    startedAt.current = null;
    keyPen.current = null;
    emit();
    redraw();
  }
  function undo() {
    strokes.current = strokes.current.slice(0, -1);
    if (strokes.current.length === 0) startedAt.current = null;
    emit();
    redraw();
  }

  return (
    <Stack gap="xs">
      <Box ref={boxRef} w="100%">
        {size && (
          <canvas
            ref={canvasRef}
            data-testid="signature-pad"
            tabIndex={disabled ? -1 : 0}
            role="img"
            aria-label={label}
            aria-describedby={helpId}
            style={{ width: size.width, height: size.height, maxWidth: '100%', touchAction: 'none', border: '2px solid var(--mantine-color-gray-6)', borderRadius: 8, background: '#fff', cursor: disabled ? 'not-allowed' : 'crosshair', display: 'block' }}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerUp}
            onKeyDown={onKeyDown}
            onBlur={() => {
              if (keyPen.current?.down) {
                keyPen.current.down = false;
                onPointerUp();
              }
            }}
          />
        )}
      </Box>
      <Text size="xs" c="gray.7" id={helpId}>
        {t('signature.help')}
      </Text>
      <Group gap="xs">
        <Button variant="default" size="sm" onClick={undo} disabled={disabled || count === 0}>
          {t('signature.undo')}
        </Button>
        <Button variant="default" size="sm" onClick={clear} disabled={disabled || count === 0}>
          {t('signature.clear')}
        </Button>
      </Group>
    </Stack>
  );
}
