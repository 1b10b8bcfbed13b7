# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# training-total.png after restyling: gnuplot training-total.gp   (reads training-total.dat)
set encoding utf8
set terminal pngcairo size 960,600 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'training-total.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Total training loss of every point"
set xlabel "iteration"
set ylabel "total loss (log scale)"
set logscale y
set format y "%.0e"
set key top right
plot 'training-total.dat' index 0 using 1:2 with lines lw 2 title "layers=relu4_1", \
     'training-total.dat' index 1 using 1:2 with lines lw 2 title "layers=relu4_2", \
     'training-total.dat' index 2 using 1:2 with lines lw 2 title "layers=relu3_2", \
     'training-total.dat' index 3 using 1:2 with lines lw 2 title "layers=relu5_2"
