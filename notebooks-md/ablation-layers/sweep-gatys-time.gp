# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# sweep-gatys-time.png after restyling: gnuplot sweep-gatys-time.gp   (reads sweep-gatys-time.dat)
set encoding utf8
set terminal pngcairo size 960,688 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'sweep-gatys-time.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Gatys time to the generator's mean sample loss against objective.style.layers"
set xlabel "objective.style.layers" offset 0,-4
set ylabel "seconds (log scale)"
set logscale y
set autoscale yfix
set format y "%g"
set ytics (0.02, 0.05, 0.1, 0.2, 0.5, 1, 2)
set xrange [-0.5:4.5]
set offsets 0, 0, graph 0.1, graph 0.1
set xtics ("relu1_1" 0, "relu1_1+\nrelu2_1" 1, "relu1_1+\nrelu2_1+\nrelu3_1" 2, "relu1_1+\nrelu2_1+\nrelu3_1+\nrelu4_1" 3, "relu1_1+\nrelu2_1+\nrelu3_1+\nrelu4_1+\nrelu5_1" 4)
set bmargin at screen 0.345930233
set key at screen 0.5, 0.01 center bottom horizontal width 1
plot 'sweep-gatys-time.dat' using 1:3 with linespoints lw 2 pt 7 ps 1.5 title "Gatys (lbfgs), reached"
