# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# samples.png after restyling: gnuplot samples.gp   (reads samples-images.png)
set encoding utf8
set terminal pngcairo size 1142,592 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'samples.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
unset key
unset border
unset tics
set lmargin at screen 0.173380035
set rmargin at screen 0.989492119
set bmargin at screen 0.0202702703
set tmargin at screen 0.915540541
set xrange [-0.5:932 - 0.5]
set yrange [-0.5:530 - 0.5]
set label "exemplar" at first 63.5, graph 1 center offset 0,1
set label "content" at first 197.5, graph 1 center offset 0,1
set label "Gatys (lbfgs)" at first 331.5, graph 1 center offset 0,1
set label "sample 1" at first 465.5, graph 1 center offset 0,1
set label "sample 2" at first 599.5, graph 1 center offset 0,1
set label "sample 3" at first 733.5, graph 1 center offset 0,1
set label "sample 4" at first 867.5, graph 1 center offset 0,1
set label "layers=relu4_1" at graph 0, first 465.5 right offset -1,0
set label "layers=relu4_2" at graph 0, first 331.5 right offset -1,0
set label "layers=relu3_2" at graph 0, first 197.5 right offset -1,0
set label "layers=relu5_2" at graph 0, first 63.5 right offset -1,0
plot 'samples-images.png' binary filetype=png with rgbimage
