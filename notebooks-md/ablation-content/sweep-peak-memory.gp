# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# sweep-peak-memory.png after restyling: gnuplot sweep-peak-memory.gp   (reads sweep-peak-memory.dat)
set encoding utf8
set terminal pngcairo size 960,600 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'sweep-peak-memory.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Peak resident memory against objective.content.layers"
set xlabel "objective.content.layers" offset 0,0
set ylabel "peak RSS (MiB, log scale)"
set logscale y
set autoscale yfix
set format y "%g"
set ytics (50, 70, 100, 150, 200, 300)
set xrange [-0.5:3.5]
set offsets 0, 0, graph 0.1, graph 0.1
set xtics ("relu4_1" 0, "relu4_2" 1, "relu3_2" 2, "relu5_2" 3)
set bmargin at screen 0.25
set key at screen 0.5, 0.01 center bottom horizontal width 1
plot 'sweep-peak-memory.dat' using 1:3 with linespoints lw 2 pt 7 ps 1.5 title "training", \
     'sweep-peak-memory.dat' using 1:4 with linespoints lw 2 pt 7 ps 1.5 title "generator, one 128×128 sample", \
     'sweep-peak-memory.dat' using 1:5 with linespoints lw 2 pt 7 ps 1.5 title "Gatys (lbfgs)"
